import assert from 'node:assert/strict';
import { calculateTtl } from '../../src/devserver/ttl.js';

/**
 * Vault's CalculateTTL caps with the exact time left and reports whole seconds rounded down
 * (checked against bao server -dev: a renew-self 4.6 s into a 6 s max TTL answers ttl 1 with
 * the "capped" warning). Expiry is set from ttlMs, so nothing outlives its max TTL.
 */
describe('devserver calculateTtl', () => {
  const issued = 1_000_000;
  const cases: Array<{ name: string; increment: number; maxTtl: number; elapsedMs: number; ttl: number; ttlMs: number; capped: boolean }> = [
    { name: 'fresh, under the max', increment: 2, maxTtl: 6, elapsedMs: 0, ttl: 2, ttlMs: 2_000, capped: false },
    { name: 'exactly reaching the max', increment: 2, maxTtl: 6, elapsedMs: 4_000, ttl: 2, ttlMs: 2_000, capped: false },
    { name: '4.6 s into a 6 s max: 1.4 s left, reported 1, capped', increment: 2, maxTtl: 6, elapsedMs: 4_600, ttl: 1, ttlMs: 1_400, capped: true },
    { name: '5.9 s in: 0.1 s left, reported 0', increment: 2, maxTtl: 6, elapsedMs: 5_900, ttl: 0, ttlMs: 100, capped: true },
    { name: 'past the max: nothing', increment: 2, maxTtl: 6, elapsedMs: 7_000, ttl: 0, ttlMs: 0, capped: true },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const result = calculateTtl({ increment: c.increment, defaultTtl: 0, maxTtl: c.maxTtl, issueTime: issued, now: issued + c.elapsedMs });
      assert.equal(result.ttl, c.ttl);
      assert.equal(result.ttlMs, c.ttlMs);
      assert.equal(result.warnings.length > 0, c.capped);
      if (result.ttlMs > 0) assert.ok(issued + c.elapsedMs + result.ttlMs <= issued + c.maxTtl * 1000, 'never past issue time + max TTL');
    });
  }

  it('a periodic token with an explicit max is capped the same way', () => {
    const result = calculateTtl({ increment: 0, defaultTtl: 0, period: 10, explicitMaxTtl: 12, maxTtl: 0, issueTime: issued, now: issued + 3_500 });
    assert.deepEqual([result.ttl, result.ttlMs, result.warnings.length], [8, 8_500, 1]);
  });
});
