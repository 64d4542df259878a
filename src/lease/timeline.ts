/** One pending sleep: `done` resolves true when its time comes, false when woken early. */
export interface Sleep {
  readonly done: Promise<boolean>;
  wake(): void;
}

interface Entry {
  readonly at: number;
  /** Position in the heap; -1 once out of it (due, woken, or never in it: Infinity). */
  index: number;
  settled: boolean;
  readonly resolve: (due: boolean) => void;
}

/** Node timers overflow past 2^31-1 ms (about 24.8 days); longer waits re-arm. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Every worker's next wake-up in one min-heap behind one timer. Ten thousand secrets asleep
 * between renewals then cost ten thousand small heap entries, not ten thousand timers, timer
 * lists and abort listeners (a thousand AbortSignals alone were most of a megabyte). Sleeping and
 * waking are O(log n); nothing here ever walks every sleeper.
 */
export class Timeline {
  private readonly heap: Entry[] = [];
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Number.POSITIVE_INFINITY;

  constructor(private readonly now: () => number = Date.now) {}

  /** Sleepers waiting for a finite time. */
  get size(): number {
    return this.heap.length;
  }

  /** Sleeps until the epoch-ms instant `at` (Infinity: until woken). */
  sleep(at: number): Sleep {
    let resolve!: (due: boolean) => void;
    const done = new Promise<boolean>((settle) => (resolve = settle));
    const entry: Entry = { at, index: -1, settled: false, resolve };
    if (at <= this.now()) this.settle(entry, true);
    else if (Number.isFinite(at)) {
      this.push(entry);
      this.arm();
    }
    return { done, wake: () => this.settle(entry, false) };
  }

  private settle(entry: Entry, due: boolean): void {
    if (entry.settled) return;
    entry.settled = true;
    if (entry.index >= 0) {
      this.removeAt(entry.index);
      this.arm();
    }
    entry.resolve(due);
  }

  /** One timer, for the earliest sleeper; re-set only when that changes. */
  private arm(): void {
    const first = this.heap[0]?.at ?? Number.POSITIVE_INFINITY;
    if (first === this.timerAt && this.timer) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = first;
    if (!Number.isFinite(first)) return;
    this.timer = setTimeout(() => this.fire(), Math.min(MAX_TIMER_MS, Math.max(0, first - this.now())));
  }

  private fire(): void {
    this.timer = undefined;
    this.timerAt = Number.POSITIVE_INFINITY;
    const now = this.now();
    while (this.heap.length && this.heap[0]!.at <= now) {
      const entry = this.heap[0]!;
      this.removeAt(0);
      entry.settled = true;
      entry.resolve(true);
    }
    this.arm();
  }

  private push(entry: Entry): void {
    entry.index = this.heap.length;
    this.heap.push(entry);
    this.up(entry.index);
  }

  private removeAt(index: number): void {
    const removed = this.heap[index]!;
    const last = this.heap.pop()!;
    removed.index = -1;
    if (last === removed) return;
    this.heap[index] = last;
    last.index = index;
    this.down(index);
    this.up(last.index);
  }

  private up(index: number): void {
    const heap = this.heap;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (heap[parent]!.at <= heap[index]!.at) return;
      this.swap(index, parent);
      index = parent;
    }
  }

  private down(index: number): void {
    const heap = this.heap;
    for (;;) {
      const left = 2 * index + 1;
      const right = left + 1;
      let smallest = index;
      if (left < heap.length && heap[left]!.at < heap[smallest]!.at) smallest = left;
      if (right < heap.length && heap[right]!.at < heap[smallest]!.at) smallest = right;
      if (smallest === index) return;
      this.swap(index, smallest);
      index = smallest;
    }
  }

  private swap(a: number, b: number): void {
    const heap = this.heap;
    const first = heap[a]!;
    heap[a] = heap[b]!;
    heap[b] = first;
    heap[a]!.index = a;
    heap[b]!.index = b;
  }
}
