import assert from 'node:assert/strict';
import { FirstWrites } from '../../src/files/first-writes.js';

/** ms until settled() resolved, or undefined if it had not after `waitMs`. */
async function settledAfter(firstWrites: FirstWrites, timeoutMs: number, signal: AbortSignal, act: () => void, waitMs = 300): Promise<number | undefined> {
  const started = Date.now();
  let at: number | undefined;
  void firstWrites.settled(timeoutMs, signal).then(() => (at = Date.now() - started));
  act();
  await new Promise((resolve) => setTimeout(resolve, waitMs));
  return at;
}

describe('FirstWrites', () => {
  const cases: Array<{ what: string; files: string[]; written: string[]; timeoutMs: number; abort?: boolean; settles: 'at once' | 'at timeout' | 'never in 300 ms' }> = [
    { what: 'every file written', files: ['a', 'b'], written: ['a', 'b'], timeoutMs: 10_000, settles: 'at once' },
    { what: 'one file written twice, the other never', files: ['a', 'b'], written: ['a', 'a'], timeoutMs: 10_000, settles: 'never in 300 ms' },
    { what: 'a name that is not one of the files', files: ['a'], written: ['z'], timeoutMs: 10_000, settles: 'never in 300 ms' },
    { what: 'no files at all', files: [], written: [], timeoutMs: 10_000, settles: 'at once' },
    { what: 'a file still missing when the time is up', files: ['a', 'b'], written: ['a'], timeoutMs: 100, settles: 'at timeout' },
    { what: 'the agent stopping', files: ['a'], written: [], timeoutMs: 10_000, abort: true, settles: 'at once' },
  ];
  for (const { what, files, written, timeoutMs, abort, settles } of cases) {
    it(`settles ${settles}: ${what}`, async () => {
      const firstWrites = new FirstWrites(files);
      const controller = new AbortController();
      const at = await settledAfter(firstWrites, timeoutMs, controller.signal, () => {
        for (const file of written) firstWrites.written(file);
        if (abort) controller.abort();
      });
      if (settles === 'never in 300 ms') assert.equal(at, undefined);
      else if (settles === 'at once') assert.ok(at !== undefined && at < 50, `settled after ${at} ms`);
      else assert.ok(at !== undefined && at >= 95 && at < 250, `settled after ${at} ms`);
    });
  }

  it('waits as long as files keep being written, and settles a stall time after the last one', async () => {
    const firstWrites = new FirstWrites(['a', 'b', 'c', 'd', 'e']);
    const started = Date.now();
    let at: number | undefined;
    void firstWrites.settled(100, new AbortController().signal).then(() => (at = Date.now() - started));
    for (const file of ['a', 'b', 'c', 'd']) {
      await new Promise((resolve) => setTimeout(resolve, 60));
      firstWrites.written(file);
    }
    assert.equal(at, undefined, 'still waiting while writes progress (240 ms > the 100 ms stall time)');
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.ok(at !== undefined && at >= 330 && at < 450, `settled after ${at} ms`);
  });

  it('settles at once when the signal has already aborted', async () => {
    const at = await settledAfter(new FirstWrites(['a']), 10_000, AbortSignal.abort(), () => {});
    assert.ok(at !== undefined && at < 50);
  });
});
