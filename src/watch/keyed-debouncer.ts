/**
 * Coalesces bursts per key: each schedule() restarts that key's timer, and only the value from
 * the last call of a burst is delivered, once the key has been quiet for `delayMs`. Keys are
 * independent, so a burst on one file never delays the report for another.
 */
export class KeyedDebouncer<K, V> {
  private readonly pending = new Map<K, { timer: NodeJS.Timeout; value: V }>();
  private cancelled = false;

  constructor(
    private readonly delayMs: number,
    private readonly deliver: (key: K, value: V) => void,
  ) {
    if (!Number.isFinite(delayMs) || delayMs < 0) {
      throw new RangeError(`debounce delay must be a finite number of milliseconds >= 0, got ${delayMs}`);
    }
  }

  schedule(key: K, value: V): void {
    if (this.cancelled) return;
    const previous = this.pending.get(key);
    if (previous) clearTimeout(previous.timer);
    const timer = setTimeout(() => {
      this.pending.delete(key);
      this.deliver(key, value);
    }, this.delayMs);
    this.pending.set(key, { timer, value });
  }

  /** Drops everything pending and ignores later schedule() calls; safe to call twice. */
  cancelAll(): void {
    this.cancelled = true;
    for (const { timer } of this.pending.values()) clearTimeout(timer);
    this.pending.clear();
  }
}
