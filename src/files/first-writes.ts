/**
 * Whether every file has been written once since the start: the point after which the agent
 * spends time on watchers rather than on what the app is waiting for.
 */
export class FirstWrites {
  private readonly waiting: Set<string>;
  private readonly all: Promise<void>;
  private resolveAll!: () => void;

  constructor(files: Iterable<string>) {
    this.waiting = new Set(files);
    this.all = new Promise((resolve) => (this.resolveAll = resolve));
    if (!this.waiting.size) this.resolveAll();
  }

  written(file: string): void {
    if (this.waiting.delete(file) && !this.waiting.size) this.resolveAll();
  }

  /** Resolves when every file has been written, `timeoutMs` has passed or `signal` aborts, whichever is first. */
  settled(timeoutMs: number, signal: AbortSignal): Promise<void> {
    if (signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const finish = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', finish);
        resolve();
      };
      const timer = setTimeout(finish, timeoutMs);
      signal.addEventListener('abort', finish, { once: true });
      void this.all.then(finish);
    });
  }
}
