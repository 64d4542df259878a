import { promises as fs } from 'node:fs';
import path from 'node:path';
import { describeError, type Logger } from '../log.js';
import { watchDirectory } from './directory-watch.js';
import { KeyedDebouncer } from './keyed-debouncer.js';

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
 * directory's top level (one inotify watch, see directory-watch.ts) and reacts to events on
 * `token` or `..data`; any other name costs one comparison, so a busy directory (a token kept in
 * /tmp, a config file beside many others) cannot make the watcher spin. A plain file rewritten in
 * place or renamed over is reported too. Deletion alone is only logged: a login needs the new
 * file, whose arrival is reported.
 */
export class CredentialWatcher {
  private readonly options: Readonly<Required<Omit<CredentialWatcherOptions, 'signal'>>> & { signal?: AbortSignal };
  private readonly name: string;
  private get label(): string {
    return this.options.label;
  }
  private readonly debouncer: KeyedDebouncer<'credential', true>;
  private watcher: { close(): void } | undefined;
  private startPromise: Promise<void> | undefined;
  private closePromise: Promise<void> | undefined;
  private readonly onAbort = () => void this.close();

  constructor(options: CredentialWatcherOptions) {
    this.options = Object.freeze({ ...options, label: options.label ?? 'credential file', debounceMs: options.debounceMs ?? 100 });
    this.name = path.basename(options.file);
    this.debouncer = new KeyedDebouncer(this.options.debounceMs, () => void this.report());
  }

  /** Resolves once watching; safe to call twice. */
  start(): Promise<void> {
    this.startPromise ??= this.startNow();
    return this.startPromise;
  }

  /** Stops watching; onChange is not called after this. Idempotent. */
  close(): Promise<void> {
    if (this.closePromise) return this.closePromise;
    this.debouncer.cancelAll();
    this.options.signal?.removeEventListener('abort', this.onAbort);
    this.watcher?.close();
    this.watcher = undefined;
    this.closePromise = Promise.resolve();
    return this.closePromise;
  }

  private async startNow(): Promise<void> {
    const { signal, logger } = this.options;
    if (signal?.aborted) return this.close();
    signal?.addEventListener('abort', this.onAbort, { once: true });
    // The watch is on the directory the symlinks live in, not on where they point.
    const parent = path.dirname(path.resolve(this.options.file));
    const directory = await fs.realpath(parent).catch(() => parent);
    if (this.closePromise) return;
    try {
      this.watcher = watchDirectory(directory, {
        onName: (name) => {
          if (name === this.name || name === PROJECTED_DATA_LINK) this.debouncer.schedule('credential', true);
        },
        onSelf: () => {},
        onError: (error) => logger.warn({ file: this.options.file, error: describeError(error) }, 'credential watcher error'),
      });
    } catch (error) {
      logger.warn({ file: this.options.file, error: describeError(error) }, `cannot watch the directory of the ${this.label}; changes will not be seen`);
      return;
    }
    logger.debug({ file: this.options.file, directory }, `watching ${this.label} for changes`);
  }

  /** A change with the file gone is only logged: the login needs the file that replaces it. */
  private async report(): Promise<void> {
    if (this.closePromise) return;
    const present = await fs.stat(this.options.file).then(() => true, () => false);
    if (this.closePromise) return;
    if (!present) {
      this.options.logger.warn({ file: this.options.file }, `${this.label} removed; waiting for a new one`);
      return;
    }
    this.options.logger.info({ file: this.options.file }, `${this.label} changed`);
    try {
      this.options.onChange();
    } catch (error) {
      this.options.logger.error({ error: describeError(error) }, 'credential onChange callback threw');
    }
  }
}
