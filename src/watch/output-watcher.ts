import { promises as fs, type Stats } from 'node:fs';
import path from 'node:path';
import { describeError, type Logger } from '../log.js';
import { watchDirectory } from './directory-watch.js';
import { KeyedDebouncer } from './keyed-debouncer.js';

export type TamperKind = 'deleted' | 'changed';

export interface OutputWatcherOptions {
  /** The output directory (shared tmpfs). */
  directory: string;
  /**
   * The file names vaultlet owns right now; consulted on every event, so it may change at
   * runtime. Called once per event: it must hand back a live set, not build one.
   */
  files: () => ReadonlySet<string>;
  onTampered: (file: string, how: TamperKind) => void;
  logger: Logger;
  /** Quiet time before a file's burst of events is reported once. Default 100. */
  debounceMs?: number;
  /** How often to look for the directory while it is missing. Default 1000. */
  directoryRecheckMs?: number;
  /** Aborting closes the watcher. */
  signal?: AbortSignal;
}

/**
 * Tells the owner when someone else deletes or rewrites one of its files, so it can restore them.
 *
 * Only the top level is watched (one inotify watch, see directory-watch.ts), symlinks are never
 * followed, dotfiles (the sink's temp files) and files not in `files()` are ignored: each event
 * costs one set lookup, whatever else the directory holds. Each file's events are debounced, and
 * what is at its name then (one lstat) says `changed` or `deleted`: the atomic sink's own rename
 * shows up as at most one `changed`, which the sink's unchanged-bytes check turns into a no-op.
 *
 * If the directory itself disappears (or is replaced by another), every owned file is reported
 * `deleted` — restoring will fail until the directory exists again — and the watcher looks for the
 * directory every `directoryRecheckMs`. When it is back, watching resumes and every owned file is
 * reported again: `deleted` if absent, `changed` if something sits at its name. The watcher never
 * creates the directory itself. A directory missing at start() is handled the same way.
 */
export class OutputWatcher {
  private readonly options: Readonly<Required<Omit<OutputWatcherOptions, 'signal'>>> & { signal?: AbortSignal };
  private readonly directory: string;
  private readonly debouncer: KeyedDebouncer<string, TamperKind | undefined>;
  private watcher: { close(): void } | undefined;
  private identity: { dev: number; ino: number } | undefined;
  private recheckTimer: NodeJS.Timeout | undefined;
  private checking = false;
  private checkAgain = false;
  private startPromise: Promise<void> | undefined;
  private closePromise: Promise<void> | undefined;
  private readonly onAbort = () => void this.close();

  constructor(options: OutputWatcherOptions) {
    this.options = Object.freeze({
      ...options,
      debounceMs: options.debounceMs ?? 100,
      directoryRecheckMs: options.directoryRecheckMs ?? 1000,
    });
    const recheck = this.options.directoryRecheckMs;
    if (!Number.isFinite(recheck) || recheck <= 0) throw new RangeError(`directoryRecheckMs must be > 0, got ${recheck}`);
    this.directory = path.resolve(options.directory);
    this.debouncer = new KeyedDebouncer(this.options.debounceMs, (file, how) => void this.report(file, how));
  }

  /** Resolves once watching (or once the directory was found missing); safe to call twice. */
  start(): Promise<void> {
    this.startPromise ??= this.startNow();
    return this.startPromise;
  }

  /** Stops watching; no callback runs after this is called. Idempotent. */
  close(): Promise<void> {
    if (this.closePromise) return this.closePromise;
    this.debouncer.cancelAll();
    clearTimeout(this.recheckTimer);
    this.options.signal?.removeEventListener('abort', this.onAbort);
    this.closePromise = this.detach();
    return this.closePromise;
  }

  private get closed(): boolean {
    return this.closePromise !== undefined;
  }

  private async startNow(): Promise<void> {
    const { signal } = this.options;
    if (signal?.aborted) return this.close();
    signal?.addEventListener('abort', this.onAbort, { once: true });
    if (!(await this.attach())) this.directoryLost('missing at start');
  }

  /** Starts watching if the directory is there; false when it is not. */
  private async attach(): Promise<boolean> {
    const stats = await lstatOrUndefined(this.directory);
    if (this.closed || !stats?.isDirectory()) return false;
    this.identity = { dev: stats.dev, ino: stats.ino };
    try {
      this.watcher = watchDirectory(this.directory, {
        onName: (name) => {
          // Which event it was does not matter: what is at the name when reporting decides.
          if (this.owns(name)) this.debouncer.schedule(name, undefined);
        },
        onSelf: () => this.checkDirectory(),
        onError: (error) => {
          this.options.logger.warn({ directory: this.directory, error: describeError(error) }, 'output watcher error');
          this.checkDirectory();
        },
      });
    } catch {
      return false; // gone between the lstat and the watch
    }
    return true;
  }

  private async detach(): Promise<void> {
    const watcher = this.watcher;
    this.watcher = undefined;
    watcher?.close();
  }

  /** Coalesced: one lstat at a time, and one more if events arrived while it ran. */
  private checkDirectory(): void {
    if (this.closed) return;
    if (this.checking) {
      this.checkAgain = true;
      return;
    }
    this.checking = true;
    void (async () => {
      do {
        this.checkAgain = false;
        const stats = await lstatOrUndefined(this.directory);
        if (this.closed || this.watcher === undefined) break;
        if (!stats?.isDirectory()) this.directoryLost('removed');
        else if (stats.dev !== this.identity?.dev || stats.ino !== this.identity?.ino) this.directoryLost('replaced');
      } while (this.checkAgain);
      this.checking = false;
    })();
  }

  private directoryLost(how: string): void {
    if (this.closed) return;
    this.options.logger.warn({ directory: this.directory, how }, 'output directory is gone; owned files reported deleted, waiting for it to return');
    for (const name of this.ownedNames()) this.debouncer.schedule(name, 'deleted');
    void this.detach();
    this.scheduleRecheck(0);
  }

  private scheduleRecheck(delayMs: number): void {
    if (this.closed) return;
    this.recheckTimer = setTimeout(() => void this.recheck(), delayMs);
  }

  private async recheck(): Promise<void> {
    if (!(await this.attach())) return this.scheduleRecheck(this.options.directoryRecheckMs);
    if (this.closed) return;
    this.options.logger.info({ directory: this.directory }, 'output directory is back; watching it again');
    for (const name of this.ownedNames()) this.debouncer.schedule(name, undefined);
  }

  private owns(name: string): boolean {
    return !name.startsWith('.') && this.options.files().has(name);
  }

  private ownedNames(): string[] {
    return [...this.options.files()].filter((name) => !name.startsWith('.'));
  }

  /** `how` is known when the directory went; otherwise what is at the name now says. */
  private async report(file: string, known: TamperKind | undefined): Promise<void> {
    if (this.closed || !this.owns(file)) return;
    const how = known ?? ((await lstatOrUndefined(path.join(this.directory, file))) ? 'changed' : 'deleted');
    if (this.closed) return;
    this.options.logger.debug({ file, how }, 'output file tampered with');
    try {
      this.options.onTampered(file, how);
    } catch (error) {
      this.options.logger.error({ file, error: describeError(error) }, 'onTampered callback threw');
    }
  }
}

async function lstatOrUndefined(file: string): Promise<Stats | undefined> {
  return fs.lstat(file).catch(() => undefined);
}
