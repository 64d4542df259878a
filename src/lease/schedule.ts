import { backoffDelay, type BackoffLimits } from './backoff.js';

/**
 * The one timing policy for everything vaultlet keeps alive: secret leases, KV refreshes and its
 * own Vault token. Pure: the same inputs give the same answer, so it is tested as a table and
 * reused by the fleet simulation.
 *
 * - renew: renewable lease not yet at its max TTL → renew at 60–70% of the TTL granted last
 *   (about 2/3, as Vault's lifetime watcher does), jittered so a fleet spreads out.
 * - refetch: non-renewable or capped lease → fetch a replacement at 60–70% as well, not at 90% as
 *   consul-template does: the remaining third is the app's window to switch credentials and our
 *   window to retry through a Vault outage before the old one lapses.
 * - interval (unleased KV): re-read at 90–100% of the refresh interval.
 * - after a failure: retry the failed action with full-jitter backoff, never waiting past half of
 *   the time left, and switch a renewal to a refetch once the lease will be gone by then.
 * - the first renewal or re-read after an agent starts is spread over a much wider window
 *   (10–70% of the TTL, 10–100% of the interval): pods rolled out together would otherwise
 *   renew together forever, a wave that repeats every TTL. It costs one early request.
 */
export type Action = 'renew' | 'refetch';

export interface ScheduleState {
  readonly kind: 'lease' | 'interval';
  /** Epoch ms of the last success: issue, renewal or read. */
  readonly since: number;
  /** lease: TTL granted at `since` (0 = never expires); interval: the refresh interval. */
  readonly ttlMs: number;
  readonly renewable: boolean;
  /** The last renewal came back shorter than asked: the lease has reached its max TTL. */
  readonly capped: boolean;
  /** Consecutive failures of `failedAction`; 0 after a success. */
  readonly failures: number;
  readonly failedAction?: Action;
  /** From a 429/503 Retry-After header on the last failure. */
  readonly retryAfterMs?: number;
  /** Nothing renewed or re-read yet since this agent started. */
  readonly first?: boolean;
}

export interface Decision {
  readonly action: Action;
  /** Epoch ms; Infinity when nothing needs doing (a token or lease that never expires). */
  readonly at: number;
}

export const RENEW_WINDOW = Object.freeze({ from: 0.6, to: 0.7 });
export const INTERVAL_WINDOW = Object.freeze({ from: 0.9, to: 1.0 });
export const FIRST_RENEW_WINDOW = Object.freeze({ from: 0.1, to: 0.7 });
export const FIRST_INTERVAL_WINDOW = Object.freeze({ from: 0.1, to: 1.0 });

function within(window: { from: number; to: number }, rand: number): number {
  return window.from + (window.to - window.from) * rand;
}

export function nextAction(state: ScheduleState, now: number, rand: number, backoff: BackoffLimits): Decision {
  const expiresAt = state.kind === 'lease' && state.ttlMs > 0 ? state.since + state.ttlMs : Number.POSITIVE_INFINITY;

  if (state.failures > 0) {
    const failed = state.failedAction ?? 'refetch';
    let delay = backoffDelay(state.failures, rand, backoff, state.retryAfterMs ?? 0);
    const left = expiresAt - now;
    if (left > 0 && Number.isFinite(left)) delay = Math.min(delay, Math.max(backoff.floorMs, left / 2, state.retryAfterMs ?? 0));
    const at = now + delay;
    return { action: failed === 'renew' && at >= expiresAt ? 'refetch' : failed, at };
  }

  if (state.kind === 'interval') {
    const window = state.first ? FIRST_INTERVAL_WINDOW : INTERVAL_WINDOW;
    return { action: 'refetch', at: Math.max(now, state.since + state.ttlMs * within(window, rand)) };
  }
  if (state.ttlMs <= 0) return { action: 'renew', at: Number.POSITIVE_INFINITY };

  const action: Action = state.renewable && !state.capped ? 'renew' : 'refetch';
  const window = state.first ? FIRST_RENEW_WINDOW : RENEW_WINDOW;
  return { action, at: Math.max(now, state.since + state.ttlMs * within(window, rand)) };
}
