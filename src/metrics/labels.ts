import type { Result } from './recorder.js';

/** Every value the `result` label can take, so counters can be zero-initialised up front. */
export const RESULTS: readonly Result[] = ['success', 'failure'];

/**
 * The `status` label: the HTTP code, or "error" when no answer came. Anything that is not a
 * plausible HTTP code also becomes "error" so the label stays bounded whatever a caller passes.
 */
export function statusLabel(status: number): string {
  return Number.isInteger(status) && status >= 100 && status <= 599 ? String(status) : 'error';
}

/** Seconds between two epoch-ms instants, never negative: an expired lease reads 0, not -12. */
export function secondsUntil(expiresAtMs: number, nowMs: number): number {
  return Math.max(0, (expiresAtMs - nowMs) / 1000);
}
