import assert from 'node:assert/strict';
import { newAlarm, Timeline } from '../../src/lease/timeline.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('Timeline', () => {
  it('rings alarms in the order of their times, each once', async () => {
    const timeline = new Timeline();
    const rang: string[] = [];
    const now = Date.now();
    for (const [name, after] of [['c', 60], ['a', 20], ['b', 40]] as const) timeline.set(newAlarm(() => rang.push(name)), now + after);
    await sleep(120);
    assert.deepEqual(rang, ['a', 'b', 'c']);
    assert.equal(timeline.size, 0);
  });

  it('moves an alarm that is set again, and forgets a cleared one', async () => {
    const timeline = new Timeline();
    const rang: string[] = [];
    const moved = newAlarm(() => rang.push('moved'));
    const cleared = newAlarm(() => rang.push('cleared'));
    timeline.set(moved, Date.now() + 10);
    timeline.set(cleared, Date.now() + 20);
    timeline.set(moved, Date.now() + 50);
    timeline.clear(cleared);
    await sleep(30);
    assert.deepEqual(rang, []);
    await sleep(50);
    assert.deepEqual(rang, ['moved']);
  });

  it('keeps ten thousand alarms in one timer, ringing each at its time', async () => {
    const timeline = new Timeline();
    let rung = 0;
    let early = 0;
    const base = Date.now() + 20;
    for (let i = 0; i < 10_000; i++) {
      const at = base + (i % 50);
      timeline.set(newAlarm(() => {
        rung++;
        if (Date.now() < at) early++;
      }), at);
    }
    assert.equal(timeline.size, 10_000);
    await sleep(150);
    assert.equal(rung, 10_000);
    assert.equal(early, 0);
  });

  it('leaves an alarm set for Infinity unset, and an alarm may be set again from its own ring', async () => {
    const timeline = new Timeline();
    const never = newAlarm(() => assert.fail('rang'));
    timeline.set(never, Number.POSITIVE_INFINITY);
    assert.equal(timeline.size, 0);
    let rings = 0;
    const again = newAlarm(() => {
      if (++rings < 3) timeline.set(again, Date.now() + 5);
    });
    timeline.set(again, Date.now());
    await sleep(60);
    assert.equal(rings, 3);
  });
});
