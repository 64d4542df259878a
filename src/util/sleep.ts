import { AbortedError } from '../errors.js';

/**
 * Resolves after `ms`, or rejects with AbortedError as soon as any of the signals fires. The
 * listeners are removed when the sleep ends: a thousand workers sleeping on the agent's signal
 * over and over must not pile up listeners (AbortSignal.any would, until the next GC).
 */
export function abortableSleep(ms: number, ...signals: Array<AbortSignal | undefined>): Promise<void> {
  const active = signals.filter((signal): signal is AbortSignal => signal !== undefined);
  if (active.some((signal) => signal.aborted)) return Promise.reject(new AbortedError());
  return new Promise<void>((resolve, reject) => {
    const finish = (error?: Error) => {
      clearTimeout(timer);
      for (const signal of active) signal.removeEventListener('abort', onAbort);
      if (error) reject(error);
      else resolve();
    };
    const onAbort = () => finish(new AbortedError());
    const timer = setTimeout(finish, Math.max(0, ms));
    for (const signal of active) signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Node timers overflow past 2^31-1 ms (about 24.8 days); long waits are taken in chunks. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Sleeps until the epoch-ms instant `at` (Infinity: until a signal fires). */
export async function sleepUntil(at: number, now: () => number, ...signals: Array<AbortSignal | undefined>): Promise<void> {
  for (;;) {
    const left = at - now();
    if (left <= 0) return;
    await abortableSleep(Math.min(left, MAX_TIMER_MS), ...signals);
  }
}
