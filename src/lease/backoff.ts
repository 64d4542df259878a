/**
 * Exponential backoff with full jitter (AWS architecture blog's "full jitter"): spreads a fleet
 * of agents that failed together so they do not return together. A server-sent Retry-After is a
 * floor, never shortened by jitter.
 */
export interface BackoffLimits {
  /** Delay scale of the first retry. */
  readonly baseMs: number;
  /** No single wait exceeds this (before Retry-After). */
  readonly capMs: number;
  /** Jitter never drops below this, so a zero random draw cannot spin. */
  readonly floorMs: number;
}

export const defaultBackoff: BackoffLimits = Object.freeze({ baseMs: 1_000, capMs: 30_000, floorMs: 250 });

/** `attempt` counts failures so far, starting at 1. `rand` is uniform in [0, 1). */
/** A Retry-After beyond this is treated as this: a misconfigured proxy must not park a secret for days. */
export const MAX_RETRY_AFTER_MS = 5 * 60_000;

export function backoffDelay(attempt: number, rand: number, limits: BackoffLimits, retryAfterMs = 0): number {
  const exponent = Math.min(Math.max(attempt - 1, 0), 30);
  const ceiling = Math.min(limits.capMs, limits.baseMs * 2 ** exponent);
  const jittered = Math.max(limits.floorMs, Math.floor(rand * ceiling));
  return Math.max(jittered, Math.min(retryAfterMs, MAX_RETRY_AFTER_MS));
}
