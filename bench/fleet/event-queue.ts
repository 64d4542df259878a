/**
 * A binary min-heap of (time, entity) pairs in parallel arrays: the fleet simulation pushes
 * millions of events, and objects per event would dominate its run time.
 */
export class EventQueue {
  private times: number[] = [];
  private ids: number[] = [];

  get size(): number {
    return this.times.length;
  }

  push(time: number, id: number): void {
    const { times, ids } = this;
    let index = times.length;
    times.push(time);
    ids.push(id);
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (times[parent]! <= time) break;
      times[index] = times[parent]!;
      ids[index] = ids[parent]!;
      index = parent;
    }
    times[index] = time;
    ids[index] = id;
  }

  /** The earliest event's time; Infinity when empty. */
  peekTime(): number {
    return this.times.length > 0 ? this.times[0]! : Number.POSITIVE_INFINITY;
  }

  /** Removes and returns the id of the earliest event (ties in no particular order). */
  pop(): number {
    const { times, ids } = this;
    const top = ids[0]!;
    const lastTime = times.pop()!;
    const lastId = ids.pop()!;
    const size = times.length;
    if (size === 0) return top;
    let index = 0;
    for (;;) {
      const left = 2 * index + 1;
      if (left >= size) break;
      const right = left + 1;
      const child = right < size && times[right]! < times[left]! ? right : left;
      if (times[child]! >= lastTime) break;
      times[index] = times[child]!;
      ids[index] = ids[child]!;
      index = child;
    }
    times[index] = lastTime;
    ids[index] = lastId;
    return top;
  }
}
