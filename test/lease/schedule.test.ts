import assert from 'node:assert/strict';
import { nextAction, OVERDUE_ROTATION_MS, type Action, type ScheduleState } from '../../src/lease/schedule.js';
import type { BackoffLimits } from '../../src/lease/backoff.js';

const backoff: BackoffLimits = { baseMs: 1_000, capMs: 30_000, floorMs: 250 };
const T0 = 1_700_000_000_000;

function lease(overrides: Partial<ScheduleState>): ScheduleState {
  return { kind: 'lease', since: T0, ttlMs: 30_000, renewable: true, capped: false, failures: 0, ...overrides };
}

interface Row {
  readonly name: string;
  readonly state: ScheduleState;
  readonly now: number;
  readonly rand: number;
  readonly action: Action;
  /** Expected delay from `now`, in ms. */
  readonly inMs: number;
}

const rows: Row[] = [
  // Renewable leases: renew at 60–70% of the TTL granted last.
  { name: 'renewable, lowest jitter → 60% of TTL', state: lease({}), now: T0, rand: 0, action: 'renew', inMs: 18_000 },
  { name: 'renewable, highest jitter → 70% of TTL', state: lease({}), now: T0, rand: 1, action: 'renew', inMs: 21_000 },
  { name: 'renewable, mid jitter ≈ 2/3', state: lease({}), now: T0, rand: 0.5, action: 'renew', inMs: 19_500 },
  { name: 'renewable, asked late → now, never in the past', state: lease({}), now: T0 + 25_000, rand: 0.5, action: 'renew', inMs: 0 },
  { name: 'one-hour lease renews after 36–42 min', state: lease({ ttlMs: 3_600_000 }), now: T0, rand: 0, action: 'renew', inMs: 2_160_000 },
  // Not renewable, or capped at max TTL: fetch a replacement in the same window.
  { name: 'not renewable → refetch at 60%', state: lease({ renewable: false }), now: T0, rand: 0, action: 'refetch', inMs: 18_000 },
  { name: 'capped by max TTL → refetch at 70%', state: lease({ capped: true, ttlMs: 10_000 }), now: T0, rand: 1, action: 'refetch', inMs: 7_000 },
  { name: 'TTL 0 never expires → nothing to do', state: lease({ ttlMs: 0 }), now: T0, rand: 0.3, action: 'renew', inMs: Infinity },
  // Unleased (KV): re-read at 90–100% of the interval.
  { name: 'kv interval 5m, lowest jitter → 4.5m', state: lease({ kind: 'interval', ttlMs: 300_000, renewable: false }), now: T0, rand: 0, action: 'refetch', inMs: 270_000 },
  { name: 'kv interval 5m, highest jitter → 5m', state: lease({ kind: 'interval', ttlMs: 300_000, renewable: false }), now: T0, rand: 1, action: 'refetch', inMs: 300_000 },
  // The first renewal or re-read after start: a wide window so a fleet started together spreads.
  { name: 'first renewal after start, lowest jitter → 10% of TTL', state: lease({ first: true }), now: T0, rand: 0, action: 'renew', inMs: 3_000 },
  { name: 'first renewal after start, highest jitter → 70% of TTL', state: lease({ first: true }), now: T0, rand: 1, action: 'renew', inMs: 21_000 },
  { name: 'first kv re-read after start, lowest jitter → 10% of interval', state: lease({ kind: 'interval', ttlMs: 300_000, renewable: false, first: true }), now: T0, rand: 0, action: 'refetch', inMs: 30_000 },
  { name: 'first renewal that fails backs off like any other', state: lease({ first: true, failures: 1, failedAction: 'renew', ttlMs: 60_000 }), now: T0 + 40_000, rand: 1, action: 'renew', inMs: 1_000 },
  // Failures: full-jitter exponential backoff, floor 250 ms, cap 30 s.
  { name: 'first renew failure, top jitter → 1 s', state: lease({ failures: 1, failedAction: 'renew', ttlMs: 60_000 }), now: T0 + 40_000, rand: 1, action: 'renew', inMs: 1_000 },
  { name: 'third failure, top jitter → 4 s', state: lease({ failures: 3, failedAction: 'renew', ttlMs: 60_000 }), now: T0 + 40_000, rand: 1, action: 'renew', inMs: 4_000 },
  { name: 'tenth failure is capped at 30 s', state: lease({ kind: 'interval', ttlMs: 20_000, renewable: false, failures: 10, failedAction: 'refetch' }), now: T0, rand: 0.9999999, action: 'refetch', inMs: 29_999 },
  { name: 'zero jitter draw still waits the floor', state: lease({ kind: 'interval', ttlMs: 20_000, renewable: false, failures: 4, failedAction: 'refetch' }), now: T0, rand: 0, action: 'refetch', inMs: 250 },
  { name: 'Retry-After is a floor jitter cannot shorten', state: lease({ failures: 1, failedAction: 'renew', ttlMs: 60_000, retryAfterMs: 7_000 }), now: T0 + 40_000, rand: 0, action: 'renew', inMs: 7_000 },
  // More slack than the cap: retry in the second half of it, so a fleet neither hammers a down
  // Vault nor returns all at once.
  { name: 'a renewal failing with 40 min left retries 15–20 min later (lowest jitter)', state: lease({ failures: 1, failedAction: 'renew', ttlMs: 3_600_000 }), now: T0 + 1_200_000, rand: 0, action: 'renew', inMs: 900_000 },
  { name: 'a renewal failing with 40 min left retries 15–20 min later (highest jitter)', state: lease({ failures: 1, failedAction: 'renew', ttlMs: 3_600_000 }), now: T0 + 1_200_000, rand: 1, action: 'renew', inMs: 1_200_000 },
  { name: 'a kv read failing retries about when its next read was due', state: lease({ kind: 'interval', ttlMs: 300_000, renewable: false, failures: 3, failedAction: 'refetch' }), now: T0 + 300_000, rand: 0, action: 'refetch', inMs: 225_000 },
  { name: 'slack below the cap keeps the plain backoff', state: lease({ failures: 2, failedAction: 'renew', ttlMs: 100_000 }), now: T0 + 60_000, rand: 1, action: 'renew', inMs: 2_000 },
  { name: 'near expiry the wait is at most half the time left', state: lease({ failures: 6, failedAction: 'refetch' }), now: T0 + 20_000, rand: 1, action: 'refetch', inMs: 5_000 },
  { name: 'a renewal retried past expiry becomes a refetch', state: lease({ failures: 6, failedAction: 'renew' }), now: T0 + 29_900, rand: 1, action: 'refetch', inMs: 250 },
  { name: 'a renewal retried before expiry stays a renewal', state: lease({ failures: 1, failedAction: 'renew' }), now: T0 + 20_000, rand: 0.5, action: 'renew', inMs: 500 },
  { name: 'expired lease that keeps failing backs off fully', state: lease({ failures: 5, failedAction: 'refetch' }), now: T0 + 60_000, rand: 1, action: 'refetch', inMs: 16_000 },
  { name: 'failed first fetch (no lease yet) backs off', state: lease({ kind: 'interval', ttlMs: 0, renewable: false, failures: 2, failedAction: 'refetch' }), now: T0, rand: 1, action: 'refetch', inMs: 2_000 },
  // Static roles: re-read 0.25–2 s after Vault's rotation, never before it.
  { name: 'static role rotating in 1 min, lowest jitter → 1 s after it (Vault rounds ttl to seconds)', state: rotation({}), now: T0, rand: 0, action: 'refetch', inMs: 61_000 },
  { name: 'static role rotating in 1 min, highest jitter → 3 s after it', state: rotation({}), now: T0, rand: 1, action: 'refetch', inMs: 63_000 },
  { name: 'static role, asked later → still counted from the read', state: rotation({}), now: T0 + 30_000, rand: 0.5, action: 'refetch', inMs: 32_000 },
  { name: 'static role past its rotation → now', state: rotation({}), now: T0 + 120_000, rand: 0.5, action: 'refetch', inMs: 0 },
  { name: 'static role after start: no wide first window (the rotation time is known)', state: rotation({ first: true }), now: T0, rand: 0, action: 'refetch', inMs: 61_000 },
  { name: 'static role reported due now (ttl 0) → look again in 6 s, not in a loop', state: rotation({ ttlMs: 0 }), now: T0, rand: 0, action: 'refetch', inMs: OVERDUE_ROTATION_MS + 1_000 },
  { name: 'static role reported due now, highest jitter → 8 s', state: rotation({ ttlMs: 0 }), now: T0, rand: 1, action: 'refetch', inMs: OVERDUE_ROTATION_MS + 3_000 },
  { name: 'static role re-read failing backs off plainly', state: rotation({ failures: 3, failedAction: 'refetch' }), now: T0 + 61_000, rand: 1, action: 'refetch', inMs: 4_000 },
  { name: 'static role re-read failing for long is capped at 30 s', state: rotation({ failures: 12, failedAction: 'refetch' }), now: T0 + 61_000, rand: 0.9999999, action: 'refetch', inMs: 29_999 },
  // Certificates: replaced inside their own window (rotate_fraction ± 0.05), never renewed.
  { name: 'certificate, window 45–55%, lowest jitter → 45% of its lifetime', state: certificate({}), now: T0, rand: 0, action: 'refetch', inMs: 45_000 },
  { name: 'certificate, window 45–55%, highest jitter → 55%', state: certificate({}), now: T0, rand: 1, action: 'refetch', inMs: 55_000 },
  { name: 'certificate counted from NotBefore, not from now', state: certificate({ since: T0 - 30_000 }), now: T0, rand: 0, action: 'refetch', inMs: 15_000 },
  { name: 'certificate with a late window (85–95%)', state: certificate({ window: { from: 0.85, to: 0.95 } }), now: T0, rand: 0.5, action: 'refetch', inMs: 90_000 },
  { name: 'certificate replacement failing with 10 min left retries 3.75–5 min later', state: certificate({ ttlMs: 3_600_000, failures: 1, failedAction: 'refetch' }), now: T0 + 3_000_000, rand: 0, action: 'refetch', inMs: 225_000 },
  { name: 'certificate replacement failing near NotAfter waits at most half the time left', state: certificate({ failures: 8, failedAction: 'refetch' }), now: T0 + 96_000, rand: 1, action: 'refetch', inMs: 2_000 },
];

function rotation(overrides: Partial<ScheduleState>): ScheduleState {
  return lease({ kind: 'rotation', ttlMs: 60_000, renewable: false, ...overrides });
}

/** A certificate as the worker describes it: NotBefore → NotAfter (100 s), not renewable, its own window. */
function certificate(overrides: Partial<ScheduleState>): ScheduleState {
  return lease({ ttlMs: 100_000, renewable: false, window: { from: 0.45, to: 0.55 }, ...overrides });
}

describe('lease/schedule nextAction', () => {
  for (const row of rows) {
    it(row.name, () => {
      const decision = nextAction(row.state, row.now, row.rand, backoff);
      assert.equal(decision.action, row.action);
      assert.equal(decision.at - row.now, row.inMs);
    });
  }

  it('spreads a fleet: 1,000 draws of a 30 s renewal cover the whole 18–21 s window', () => {
    const delays = Array.from({ length: 1000 }, (_, i) => nextAction(lease({}), T0, i / 1000, backoff).at - T0);
    assert.equal(Math.min(...delays), 18_000);
    assert.ok(Math.max(...delays) > 20_990);
    assert.ok(new Set(delays.map((d) => Math.floor(d / 300))).size >= 10, 'delays cluster instead of spreading');
  });

  it('is pure: the same inputs give the same decision', () => {
    const state = lease({ failures: 2, failedAction: 'renew' });
    assert.deepEqual(nextAction(state, T0 + 1, 0.42, backoff), nextAction(state, T0 + 1, 0.42, backoff));
  });
});
