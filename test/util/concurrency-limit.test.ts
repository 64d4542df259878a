import assert from 'node:assert/strict';
import { AbortedError } from '../../src/errors.js';
import { ConcurrencyLimit } from '../../src/util/concurrency-limit.js';

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('ConcurrencyLimit', () => {
  it('runs at most `max` tasks at a time, the others in the order they came', async () => {
    const limit = new ConcurrencyLimit(2);
    const started: number[] = [];
    const finish: Array<() => void> = [];
    const runs = [0, 1, 2, 3, 4].map((n) => limit.run(() => new Promise<number>((resolve) => {
      started.push(n);
      finish[n] = () => resolve(n);
    })));
    await tick();
    assert.deepEqual(started, [0, 1]);
    assert.equal(limit.queued, 3);
    finish[1]!();
    await tick();
    assert.deepEqual(started, [0, 1, 2]);
    finish[0]!();
    finish[2]!();
    await tick();
    finish[3]!();
    await tick();
    finish[4]!();
    assert.deepEqual(await Promise.all(runs), [0, 1, 2, 3, 4]);
    assert.equal(limit.running, 0);
  });

  it('a waiter whose signal aborts leaves the queue; a failing task frees its slot', async () => {
    const limit = new ConcurrencyLimit(1);
    let release!: () => void;
    const first = limit.run(() => new Promise<void>((resolve) => (release = resolve)));
    const controller = new AbortController();
    const abandoned = limit.run(async () => assert.fail('ran after its signal aborted'), controller.signal);
    const failing = limit.run(async () => {
      throw new Error('boom');
    });
    controller.abort();
    await assert.rejects(abandoned, AbortedError);
    release();
    await first;
    await assert.rejects(failing, /boom/);
    assert.equal(await limit.run(async () => 'free again'), 'free again');
  });

  it('rejects a limit that is not a positive integer', () => {
    assert.throws(() => new ConcurrencyLimit(0), RangeError);
  });
});
