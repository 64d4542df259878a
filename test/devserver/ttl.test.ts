import assert from 'node:assert/strict';
import { calculateTtl } from '../../src/devserver/ttl.js';

/**
 * Vault's CalculateTTL caps a TTL at the exact time left before the max TTL, truncated to whole
 * seconds, and grants that (checked against bao server -dev: renewed 5.3 s into a 6 s max TTL,
 * a token gets 1 s, with the "capped" warning, and expires 1 s later).
 */
describe('devserver calculateTtl', () => {
  const issued = 1_000_000;
  const cases: Array<{ name: string; increment: number; maxTtl: number; elapsedMs: number; ttl: number; capped: boolean }> = [
    { name: 'fresh, under the max', increment: 2, maxTtl: 6, elapsedMs: 0, ttl: 2, capped: false },
    { name: 'exactly reaching the max', increment: 2, maxTtl: 6, elapsedMs: 4_000, ttl: 2, capped: false },
    { name: '4.6 s into a 6 s max: 1.4 s left, granted 1, capped', increment: 2, maxTtl: 6, elapsedMs: 4_600, ttl: 1, capped: true },
    { name: '5.9 s in: 0.1 s left, nothing to grant', increment: 2, maxTtl: 6, elapsedMs: 5_900, ttl: 0, capped: true },
    { name: 'past the max: nothing', increment: 2, maxTtl: 6, elapsedMs: 7_000, ttl: 0, capped: true },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const result = calculateTtl({ increment: c.increment, defaultTtl: 0, maxTtl: c.maxTtl, issueTime: issued, now: issued + c.elapsedMs });
      assert.equal(result.ttl, c.ttl);
      assert.equal(result.warnings.length > 0, c.capped);
      assert.ok(c.elapsedMs + result.ttl * 1000 <= Math.max(c.elapsedMs, c.maxTtl * 1000), 'never past issue time + max TTL');
    });
  }

  it('a periodic token with an explicit max is capped the same way', () => {
    const result = calculateTtl({ increment: 0, defaultTtl: 0, period: 10, explicitMaxTtl: 12, maxTtl: 0, issueTime: issued, now: issued + 3_500 });
    assert.deepEqual([result.ttl, result.warnings.length], [8, 1]);
  });
});
