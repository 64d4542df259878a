import { promises as fs, type Stats } from 'node:fs';
import path from 'node:path';
import type { FSWatcher } from 'chokidar';
import { describeError, type Logger } from '../log.js';
import { KeyedDebouncer } from './keyed-debouncer.js';
import { watchTopLevel, whenReady } from './top-level-watch.js';

export type TamperKind = 'deleted' | 'changed';

export interface OutputWatcherOptions {
  /** The output directory (shared tmpfs). */
  directory: string;
  /** The file names vaultlet owns right now; consulted on every event, so it may change at runtime. */
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
 * Only the top level is watched, symlinks are never followed, dotfiles (the sink's temp files) and
 * files not in `files()` are ignored. Each file's events are debounced, last kind wins: the atomic
 * sink's own rename shows up as at most one `changed`, which the sink's unchanged-bytes check
 * turns into a no-op.
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
  private readonly debouncer: KeyedDebouncer<string, TamperKind>;
  private readonly stopped: Promise<void>;
  private resolveStopped!: () => void;
  private watcher: FSWatcher | undefined;
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
    this.debouncer = new KeyedDebouncer(this.options.debounceMs, (file, how) => this.report(file, how));
    this.stopped = new Promise((resolve) => (this.resolveStopped = resolve));
  }

  /** Resolves once the initial scan is done (or the directory was found missing); safe to call twice. */
  start(): Promise<void> {
    this.startPromise ??= this.startNow();
    return this.startPromise;
  }

  /** Stops watching; no callback runs after this is called. Idempotent. */
  close(): Promise<void> {
    if (this.closePromise) return this.closePromise;
    this.resolveStopped();
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

  /** Starts a chokidar watcher if the directory is there; false when it is not. */
  private async attach(): Promise<boolean> {
    const stats = await lstatOrUndefined(this.directory);
    if (this.closed || !stats?.isDirectory()) return false;
    this.identity = { dev: stats.dev, ino: stats.ino };
    const watcher = watchTopLevel(this.directory, (name) => this.owns(name));
    this.watcher = watcher;
    let ready = false;
    watcher.on('all', (event, file) => {
      if (ready) this.onEvent(event, file);
    });
    // The directory's own deletion or rename only shows up as a raw event on its watch.
    watcher.on('raw', (event, _name, details) => {
      if (event === 'rename' && (details as { watchedPath?: string } | undefined)?.watchedPath === this.directory) this.checkDirectory();
    });
    watcher.on('error', (error) => {
      this.options.logger.warn({ directory: this.directory, error: describeError(error) }, 'output watcher error');
      this.checkDirectory();
    });
    await whenReady(watcher, this.stopped);
    ready = true;
    return true;
  }

  private async detach(): Promise<void> {
    const watcher = this.watcher;
    this.watcher = undefined;
    await watcher?.close();
  }

  private onEvent(event: string, file: string): void {
    if (file === this.directory) {
      if (event === 'unlinkDir') this.checkDirectory();
      return;
    }
    const name = path.basename(file);
    if (path.dirname(file) !== this.directory || !this.owns(name)) return;
    if (event === 'unlink' || event === 'unlinkDir') this.debouncer.schedule(name, 'deleted');
    else if (event === 'add' || event === 'change' || event === 'addDir') this.debouncer.schedule(name, 'changed');
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
    for (const name of this.ownedNames()) {
      const stats = await lstatOrUndefined(path.join(this.directory, name));
      this.debouncer.schedule(name, stats ? 'changed' : 'deleted');
    }
  }

  private owns(name: string): boolean {
    return !name.startsWith('.') && this.options.files().has(name);
  }

  private ownedNames(): string[] {
    return [...this.options.files()].filter((name) => !name.startsWith('.'));
  }

  private report(file: string, how: TamperKind): void {
    if (this.closed || !this.owns(file)) return;
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
