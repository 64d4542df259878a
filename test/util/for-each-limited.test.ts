import assert from 'node:assert/strict';
import { forEachLimited } from '../../src/util/for-each-limited.js';

describe('forEachLimited', () => {
  it('runs every item, at most `limit` at a time, and reports each outcome in item order', async () => {
    let running = 0;
    let most = 0;
    const results = await forEachLimited(Array.from({ length: 50 }, (_, i) => i), 4, async (i) => {
      most = Math.max(most, ++running);
      await new Promise((resolve) => setTimeout(resolve, i % 3));
      running--;
      if (i === 7) throw new Error('seven');
      return i * 2;
    });
    assert.equal(most, 4);
    assert.equal(results.length, 50);
    assert.deepEqual(results[3], { status: 'fulfilled', value: 6 });
    assert.equal(results[7]!.status, 'rejected');
    assert.equal(results.filter((result) => result.status === 'fulfilled').length, 49);
  });

  it('resolves at once for no items', async () => {
    assert.deepEqual(await forEachLimited([], 8, async () => 1), []);
  });
});
