/**
 * A wake-up call kept in the timeline: `due` runs when `at` comes. Owned by whoever sets it (one
 * per worker, made once), so sleeping allocates nothing.
 */
export interface Alarm {
  readonly due: () => void;
  /** Set by the timeline: the instant it is set for, and its place in the heap (-1: not set). */
  at: number;
  index: number;
}

export function newAlarm(due: () => void): Alarm {
  return { due, at: Number.POSITIVE_INFINITY, index: -1 };
}

/** Node timers overflow past 2^31-1 ms (about 24.8 days); longer waits re-arm. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Every worker's next wake-up in one min-heap behind one timer. Ten thousand secrets asleep
 * between renewals then cost ten thousand small heap entries, not ten thousand timers, timer
 * lists, promises and abort listeners (a thousand AbortSignals alone were most of a megabyte).
 * Setting and clearing an alarm are O(log n); nothing here ever walks every sleeper.
 */
export class Timeline {
  private readonly heap: Alarm[] = [];
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Number.POSITIVE_INFINITY;

  constructor(private readonly now: () => number = Date.now) {}

  /** Alarms set for a finite time. */
  get size(): number {
    return this.heap.length;
  }

  /** Sets (or moves) `alarm` to the epoch-ms instant `at`; Infinity leaves it unset. Due alarms ring on the next tick. */
  set(alarm: Alarm, at: number): void {
    if (alarm.index >= 0) this.removeAt(alarm.index);
    alarm.at = at;
    if (Number.isFinite(at)) this.push(alarm);
    this.arm();
  }

  clear(alarm: Alarm): void {
    alarm.at = Number.POSITIVE_INFINITY;
    if (alarm.index < 0) return;
    this.removeAt(alarm.index);
    this.arm();
  }

  /** One timer, for the earliest alarm; re-set only when that changes. */
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
    const due: Alarm[] = [];
    while (this.heap.length && this.heap[0]!.at <= now) {
      const alarm = this.heap[0]!;
      this.removeAt(0);
      alarm.at = Number.POSITIVE_INFINITY;
      due.push(alarm);
    }
    this.arm();
    // After the heap is settled: an alarm's owner may set it again from `due`.
    for (const alarm of due) alarm.due();
  }

  private push(alarm: Alarm): void {
    alarm.index = this.heap.length;
    this.heap.push(alarm);
    this.up(alarm.index);
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
