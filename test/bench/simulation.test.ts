import assert from 'node:assert/strict';
import { EventQueue } from '../../bench/fleet/event-queue.js';
import { seededRandom } from '../../bench/fleet/random.js';
import { summariseRates } from '../../bench/fleet/rates.js';
import { AGENT_DEFAULTS, requestsPerSecretHour } from '../../bench/fleet/scenarios.js';
import { simulateFleet, type FleetOptions } from '../../bench/fleet/simulation.js';
import { nextAction } from '../../src/lease/schedule.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

function options(overrides: Partial<FleetOptions>): FleetOptions {
  return {
    agents: 100, secrets: [], kvIntervalMs: 5 * MINUTE, leaseTtlMs: HOUR, leaseMaxTtlMs: 0, tokenTtlMs: 0, tokenMaxTtlMs: 0,
    startSpreadMs: 0, outages: [], durationMs: HOUR, binMs: 1000, seed: 1, ...AGENT_DEFAULTS, ...overrides,
  };
}

/**
 * The real policy with the jitter pinned to the middle of every window, so counts are exact, and
 * without the first-cycle hint (a policy may spread the first cycle; these counts are the steady ones).
 */
const NOT_FIRST: Record<string, unknown> = { first: false };
const midJitter: FleetOptions['policy'] = (state, now, _rand, backoff) => nextAction({ ...state, ...NOT_FIRST }, now, 0.5, backoff);

describe('bench: fleet simulation bookkeeping', () => {
  it('agents started together send one login and one read each in the first second', () => {
    const result = simulateFleet(options({ secrets: ['kv'] }));
    assert.equal(result.requests[0], 200);
    assert.equal(result.byKind.login, 100);
    assert.equal(result.readyAt, 0);
  });

  it('KV re-reads every 90–100% of the interval: 13 or 14 reads per agent in an hour at 5 minutes', () => {
    const result = simulateFleet(options({ secrets: ['kv'] }));
    assert.ok(result.byKind.kv_read >= 1300 && result.byKind.kv_read <= 1400, `${result.byKind.kv_read} reads`);
    assert.equal(result.byKind.token_renew, 0, 'a token without TTL is never renewed');
    assert.equal(result.requests.reduce((sum, n) => sum + n, 0), result.byKind.login + result.byKind.kv_read);
  });

  it('renewable lease, TTL 1 h, max 2 h, over 3 h: renew at 0.65 h and 1.3 h (capped), replace at 1.755 h, renew at 2.405 h', () => {
    const result = simulateFleet(options({ secrets: ['renewable'], leaseMaxTtlMs: 2 * HOUR, durationMs: 3 * HOUR, policy: midJitter }));
    assert.equal(result.byKind.lease_read, 200);
    assert.equal(result.byKind.lease_renew, 300);
    assert.equal(result.leasesCreated, 200);
    // The second either side of the instant: the jitter arithmetic is floating point.
    const at = (hours: number) => {
      const second = Math.round((hours * HOUR) / 1000);
      return result.requests[second - 1]! + result.requests[second]! + result.requests[second + 1]!;
    };
    assert.equal(at(0.65), 100);
    assert.equal(at(1.755), 100);
    assert.equal(at(2.405), 100);
  });

  it('non-renewable lease, TTL 1 h: a new lease every 0.65 h and never a renewal', () => {
    const result = simulateFleet(options({ secrets: ['nonrenewable'], durationMs: 2 * HOUR, policy: midJitter }));
    // Reads at 0, 0.65, 1.3 and 1.95 h.
    assert.equal(result.byKind.lease_read, 400);
    assert.equal(result.byKind.lease_renew, 0);
  });

  it('only the first replacement of a non-renewable lease is spread wide: later ones come at 60–70% of the TTL, as SecretWorker does', () => {
    // With every replacement in the first-read window (10–70%) this was 2.5 per hour.
    const perHour = requestsPerSecretHour('nonrenewable', { leaseTtlMs: HOUR, leaseMaxTtlMs: HOUR });
    assert.ok(perHour > 1 / 0.7 && perHour < 1 / 0.6 + 0.1, `${perHour.toFixed(2)} per hour`);
  });

  it('during an outage every request fails, each failed call is tried 1 + max_retries times, and the agent recovers after it', () => {
    const result = simulateFleet(options({ agents: 1, secrets: ['kv'], outages: [{ fromMs: 0, toMs: 20_000 }], durationMs: MINUTE, policy: midJitter }));
    const during = result.requests.slice(0, 20).reduce((sum, n) => sum + n, 0);
    assert.equal(result.failed.slice(0, 20).reduce((sum, n) => sum + n, 0), during);
    assert.equal(during % (AGENT_DEFAULTS.maxRetries + 1), 0, `${during} requests`);
    assert.equal(result.failed.slice(20).reduce((sum, n) => sum + n, 0), 0);
    assert.ok(Number.isFinite(result.readyAt) && result.readyAt >= 20_000 && result.readyAt < 20_000 + AGENT_DEFAULTS.backoff.capMs, `ready at ${result.readyAt}`);
  });

  it('the same seed gives the same run', () => {
    const a = simulateFleet(options({ secrets: ['kv', 'renewable'], tokenTtlMs: HOUR }));
    const b = simulateFleet(options({ secrets: ['kv', 'renewable'], tokenTtlMs: HOUR }));
    assert.deepEqual(a.byKind, b.byKind);
  });
});

describe('bench: rates and the event queue', () => {
  it('peak/mean over full windows only', () => {
    // 10 one-second bins: 5/s, except one window of 2 s at 20/s.
    const bins = [5, 5, 5, 5, 20, 20, 5, 5, 5, 5];
    const summary = summariseRates(bins, 1000, 0, 10_000, 2000);
    assert.equal(summary.mean, 8);
    assert.equal(summary.peak, 20);
    assert.equal(summary.peakAt, 4000);
    assert.equal(summary.peakToMean, 2.5);
  });

  it('pops events in time order', () => {
    const queue = new EventQueue();
    const random = seededRandom(3);
    const times = Array.from({ length: 1000 }, () => Math.floor(random() * 100));
    times.forEach((time, id) => queue.push(time, id));
    const popped: number[] = [];
    while (queue.size > 0) popped.push(times[queue.pop()]!);
    assert.deepEqual(popped, [...times].sort((a, b) => a - b));
  });
});
