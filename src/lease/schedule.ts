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
 * - rotation (static roles): re-read 1–3 s after the moment Vault rotates the password; sooner
 *   reads the old one again (Vault rounds the ttl it reports to whole seconds), later leaves the
 *   app holding a dead one.
 * - certificates are non-renewable leases over NotBefore→NotAfter, replaced in the secret's own
 *   window (rotate_fraction ± 0.05) rather than 60–70%.
 * - after a failure: retry the failed action with full-jitter backoff, never waiting past half of
 *   the time left, and switch a renewal to a refetch once the lease will be gone by then. When
 *   the data has more slack than the backoff cap, the retry lands in the last quarter of that
 *   slack instead (half the lease left; one KV interval).
 * - the first renewal or re-read after an agent starts is spread over a much wider window
 *   (10–70% of the TTL, 10–100% of the interval): pods rolled out together would otherwise
 *   renew together forever, a wave that repeats every TTL. It costs one early request.
 */
export type Action = 'renew' | 'refetch';

export interface ScheduleState {
  readonly kind: 'lease' | 'interval' | 'rotation';
  /** Epoch ms of the last success: issue, renewal or read. */
  readonly since: number;
  /** lease: TTL granted at `since` (0 = never expires); interval: the refresh interval; rotation: time to it. */
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
  /** lease: where in the TTL to act, instead of RENEW_WINDOW (certificates' rotate_fraction). */
  readonly window?: { readonly from: number; readonly to: number };
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
/** Where in the slack a non-urgent retry lands: late, so it replaces the next regular attempt
 * rather than adding to it (10,000 simulated agents through an outage: peak/mean 1.42× at 0.75,
 * 1.59× at 0.5, 16× with plain backoff). */
export const ROTATION_DELAY = Object.freeze({ minMs: 1000, maxMs: 3000 });
/** A static role reported as due now (ttl 0: Vault's rotation is failing or late): look again in 6–8 s, not in a loop. */
export const OVERDUE_ROTATION_MS = 5_000;
export const SLACK_WINDOW = Object.freeze({ from: 0.75, to: 1.0 });

/** How long a retry could wait without the data going stale: half the lease left, or one KV interval. */
function retrySlack(state: ScheduleState, expiresAt: number, now: number): number {
  if (state.kind === 'rotation') return 0;
  if (state.kind === 'interval' && state.ttlMs <= 0) return 0;
  if (state.kind === 'interval') return state.ttlMs;
  return Number.isFinite(expiresAt) ? Math.max(0, (expiresAt - now) / 2) : 0;
}

function within(window: { from: number; to: number }, rand: number): number {
  return window.from + (window.to - window.from) * rand;
}

export function nextAction(state: ScheduleState, now: number, rand: number, backoff: BackoffLimits): Decision {
  const expiresAt = state.kind === 'lease' && state.ttlMs > 0 ? state.since + state.ttlMs : Number.POSITIVE_INFINITY;

  if (state.failures > 0) {
    const failed = state.failedAction ?? 'refetch';
    let delay = backoffDelay(state.failures, rand, backoff, state.retryAfterMs ?? 0);
    // Retry as urgently as the data needs, no more: with more slack than the backoff cap (a lease
    // with 20 minutes left, KV that stays valid), retry late inside that slack. A fleet then
    // neither hammers a Vault that is down nor returns all at once when it is back.
    const slack = retrySlack(state, expiresAt, now);
    if (slack > backoff.capMs) delay = Math.max(delay, slack * within(SLACK_WINDOW, rand));
    const left = expiresAt - now;
    if (left > 0 && Number.isFinite(left)) delay = Math.min(delay, Math.max(backoff.floorMs, left / 2, state.retryAfterMs ?? 0));
    const at = now + delay;
    return { action: failed === 'renew' && at >= expiresAt ? 'refetch' : failed, at };
  }

  if (state.kind === 'rotation') {
    const delay = ROTATION_DELAY.minMs + (ROTATION_DELAY.maxMs - ROTATION_DELAY.minMs) * rand;
    return { action: 'refetch', at: Math.max(now, state.since + (state.ttlMs > 0 ? state.ttlMs : OVERDUE_ROTATION_MS) + delay) };
  }
  if (state.kind === 'interval') {
    const window = state.first ? FIRST_INTERVAL_WINDOW : INTERVAL_WINDOW;
    return { action: 'refetch', at: Math.max(now, state.since + state.ttlMs * within(window, rand)) };
  }
  if (state.ttlMs <= 0) return { action: 'renew', at: Number.POSITIVE_INFINITY };

  const action: Action = state.renewable && !state.capped ? 'renew' : 'refetch';
  const regular = state.window ?? RENEW_WINDOW;
  const window = state.first ? { from: FIRST_RENEW_WINDOW.from, to: Math.max(regular.to, FIRST_RENEW_WINDOW.from) } : regular;
  return { action, at: Math.max(now, state.since + state.ttlMs * within(window, rand)) };
}
