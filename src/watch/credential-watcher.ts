import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { FSWatcher } from 'chokidar';
import { describeError, type Logger } from '../log.js';
import { KeyedDebouncer } from './keyed-debouncer.js';
import { watchTopLevel, whenReady } from './top-level-watch.js';

export interface CredentialWatcherOptions {
  /** The credential file, e.g. the projected service account token. Never read here. */
  file: string;
  onChange: () => void;
  logger: Logger;
  /** Aborting closes the watcher. */
  signal?: AbortSignal;
  /** What the file is, for log lines. Default "credential file". */
  label?: string;
  /** Quiet time before a burst of events is reported once. Default 100. */
  debounceMs?: number;
}

/** Kubernetes' atomic writer points this symlink at the current timestamped directory. */
const PROJECTED_DATA_LINK = '..data';

/**
 * Calls onChange after the credential file has been replaced, e.g. when the kubelet rotates a
 * projected service account token.
 *
 * The kubelet never writes `token` in place: it fills a new `..<timestamp>` directory, points a
 * `..data_tmp` symlink at it and renames that over `..data`; `token` is a fixed symlink to
 * `..data/token`. A watch on the file's path alone misses that swap, so this watches the parent
 * directory's top level and reacts to `token` or `..data` being added or re-pointed (chokidar,
 * not following symlinks, reports a symlink whose target changed as `change`). A plain file
 * rewritten in place or renamed over is reported too. Deletion alone is only logged: a login
 * needs the new file, whose arrival is reported.
 */
export class CredentialWatcher {
  private readonly options: Readonly<Required<Omit<CredentialWatcherOptions, 'signal'>>> & { signal?: AbortSignal };
  private readonly name: string;
  private get label(): string {
    return this.options.label;
  }
  private readonly debouncer: KeyedDebouncer<'credential', true>;
  private readonly stopped: Promise<void>;
  private resolveStopped!: () => void;
  private watcher: FSWatcher | undefined;
  private startPromise: Promise<void> | undefined;
  private closePromise: Promise<void> | undefined;
  private readonly onAbort = () => void this.close();

  constructor(options: CredentialWatcherOptions) {
    this.options = Object.freeze({ ...options, label: options.label ?? 'credential file', debounceMs: options.debounceMs ?? 100 });
    this.name = path.basename(options.file);
    this.debouncer = new KeyedDebouncer(this.options.debounceMs, () => this.report());
    this.stopped = new Promise((resolve) => (this.resolveStopped = resolve));
  }

  /** Resolves once the directory's initial scan is done; safe to call twice. */
  start(): Promise<void> {
    this.startPromise ??= this.startNow();
    return this.startPromise;
  }

  /** Stops watching; onChange is not called after this. Idempotent. */
  close(): Promise<void> {
    if (this.closePromise) return this.closePromise;
    this.resolveStopped();
    this.debouncer.cancelAll();
    this.options.signal?.removeEventListener('abort', this.onAbort);
    const watcher = this.watcher;
    this.watcher = undefined;
    this.closePromise = watcher ? watcher.close() : Promise.resolve();
    return this.closePromise;
  }

  private async startNow(): Promise<void> {
    const { signal, logger } = this.options;
    if (signal?.aborted) return this.close();
    signal?.addEventListener('abort', this.onAbort, { once: true });
    // chokidar does not follow symlinks here, so the watched root itself must be a real directory.
    const parent = path.dirname(path.resolve(this.options.file));
    const directory = await fs.realpath(parent).catch(() => parent);
    if (this.closePromise) return;
    const watcher = watchTopLevel(directory, (name) => name === this.name || name === PROJECTED_DATA_LINK);
    this.watcher = watcher;
    let ready = false;
    watcher.on('all', (event, file) => {
      if (!ready || path.dirname(file) !== directory) return;
      if (event === 'add' || event === 'change') this.debouncer.schedule('credential', true);
      else if (event === 'unlink') logger.warn({ file: this.options.file }, `${this.label} removed; waiting for a new one`);
    });
    watcher.on('error', (error) => {
      logger.warn({ file: this.options.file, error: describeError(error) }, 'credential watcher error');
    });
    await whenReady(watcher, this.stopped);
    ready = true;
    logger.debug({ file: this.options.file, directory }, `watching ${this.label} for changes`);
  }

  private report(): void {
    if (this.closePromise) return;
    this.options.logger.info({ file: this.options.file }, `${this.label} changed`);
    try {
      this.options.onChange();
    } catch (error) {
      this.options.logger.error({ error: describeError(error) }, 'credential onChange callback threw');
    }
  }
}
