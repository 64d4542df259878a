import { AbortedError } from '../errors.js';

/**
 * At most `max` tasks at a time; the others wait, first come first served, without any timer
 * running. A waiter whose signal aborts leaves the queue at once. Every operation is O(1), so
 * ten thousand waiters cost ten thousand small closures and nothing per hand-over.
 */
export class ConcurrencyLimit {
  private active = 0;
  /** Insertion-ordered: the oldest waiter is the first value; removal by identity is O(1). */
  private readonly waiting = new Set<() => void>();

  constructor(readonly max: number) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`a concurrency limit must be a positive integer, got ${max}`);
  }

  /** Tasks running now. */
  get running(): number {
    return this.active;
  }

  /** Tasks waiting for a slot. */
  get queued(): number {
    return this.waiting.size;
  }

  /** Runs `task` once a slot is free; rejects with AbortedError if `signal` aborts while it waits. */
  async run<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    await this.acquire(signal);
    try {
      return await task();
    } finally {
      this.release();
    }
  }

  private acquire(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(new AbortedError());
    if (this.active < this.max && this.waiting.size === 0) {
      this.active++;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const admit = () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = () => {
        this.waiting.delete(admit);
        reject(new AbortedError());
      };
      this.waiting.add(admit);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Hands the slot straight to the oldest waiter, so `active` never dips and no one jumps the queue. */
  private release(): void {
    const next = this.waiting.values().next();
    if (next.done) {
      this.active--;
      return;
    }
    this.waiting.delete(next.value);
    next.value();
  }
}
