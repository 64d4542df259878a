import { setTimeout as delay } from 'node:timers/promises';
import { AbortedError } from '../errors.js';

/** Resolves after `ms`, or rejects with AbortedError as soon as the signal fires. */
export async function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  try {
    await delay(Math.max(0, ms), undefined, { signal });
  } catch (error) {
    if ((error as Error).name === 'AbortError') throw new AbortedError();
    throw error;
  }
}

/** Node timers overflow past 2^31-1 ms (about 24.8 days); long waits are taken in chunks. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Sleeps until the epoch-ms instant `at` (Infinity: until aborted). */
export async function sleepUntil(at: number, now: () => number, signal?: AbortSignal): Promise<void> {
  for (;;) {
    const left = at - now();
    if (left <= 0) return;
    await abortableSleep(Math.min(left, MAX_TIMER_MS), signal);
  }
}
