/**
 * Whether every file has been written once since the start: the point after which the agent
 * spends time on watchers rather than on what the app is waiting for.
 */
export class FirstWrites {
  private readonly waiting: Set<string>;
  private readonly all: Promise<void>;
  private resolveAll!: () => void;
  /** Called at every first write, so a wait for them can tell progress from a stall. */
  private onProgress: (() => void) | undefined;

  constructor(files: Iterable<string>) {
    this.waiting = new Set(files);
    this.all = new Promise((resolve) => (this.resolveAll = resolve));
    if (!this.waiting.size) this.resolveAll();
  }

  written(file: string): void {
    if (!this.waiting.delete(file)) return;
    if (!this.waiting.size) this.resolveAll();
    else this.onProgress?.();
  }

  /**
   * Resolves when every file has been written, no file has been written for `stallMs` (Vault slow
   * or down), or `signal` aborts, whichever is first. Ten thousand secrets written one after
   * another are all waited for: the watchers would otherwise see (and check) every write of ours.
   */
  settled(stallMs: number, signal: AbortSignal): Promise<void> {
    if (signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const finish = () => {
        clearTimeout(timer);
        this.onProgress = undefined;
        signal.removeEventListener('abort', finish);
        resolve();
      };
      let timer = setTimeout(finish, stallMs);
      // Re-armed at most every tenth of the stall time, not at every one of thousands of writes.
      let armedAt = Date.now();
      this.onProgress = () => {
        if (Date.now() - armedAt < stallMs / 10) return;
        armedAt = Date.now();
        clearTimeout(timer);
        timer = setTimeout(finish, stallMs);
      };
      signal.addEventListener('abort', finish, { once: true });
      void this.all.then(finish);
    });
  }
}
