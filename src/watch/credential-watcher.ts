import path from 'node:path';
import type { FSWatcher } from 'chokidar';
import { describeError, type Logger } from '../log.js';
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

/**
 * Calls onChange after the credential file has been replaced, e.g. when the kubelet rotates a
 * projected service account token, or an editor or a ConfigMap update replaces a config file.
 *
 * The kubelet never writes `token` in place: it fills a new `..<timestamp>` directory, points a
 * `..data_tmp` symlink at it and renames that over `..data`; `token` is a fixed symlink to
 * `..data/token`. chokidar watches the file's own path (following the symlink to the file it
 * names) and, on Linux, notices when that path comes to name another file and watches the new
 * one: a swap, a rename over it, an in-place write, or a deletion and later re-creation is each
 * reported. Only this path is watched, never its directory, so a busy directory (a token kept in
 * /tmp, a config file beside many others) costs the watcher nothing (test/watch/watcher-cost).
 * Deletion alone is only logged: a login needs the new file, whose arrival is reported.
 */
export class CredentialWatcher {
  private readonly options: Readonly<Required<Omit<CredentialWatcherOptions, 'signal'>>> & { signal?: AbortSignal };
  private get label(): string {
    return this.options.label;
  }
  private readonly debouncer: KeyedDebouncer<'credential', true>;
  private watcher: FSWatcher | undefined;
  private startPromise: Promise<void> | undefined;
  private closePromise: Promise<void> | undefined;
  private readonly onAbort = () => void this.close();

  constructor(options: CredentialWatcherOptions) {
    this.options = Object.freeze({ ...options, label: options.label ?? 'credential file', debounceMs: options.debounceMs ?? 100 });
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
    const watcher = this.watcher;
    this.watcher = undefined;
    this.closePromise = watcher ? watcher.close() : Promise.resolve();
    return this.closePromise;
  }

  private async startNow(): Promise<void> {
    const { signal, logger } = this.options;
    if (signal?.aborted) return this.close();
    signal?.addEventListener('abort', this.onAbort, { once: true });
    // Loaded here, not at start: the watchers start once the first files are written.
    const { watch } = await import('chokidar');
    if (this.closePromise) return;
    const watcher = watch(path.resolve(this.options.file), { ignoreInitial: true, atomic: true });
    this.watcher = watcher;
    watcher.on('all', (event) => {
      if (event === 'add' || event === 'change') this.debouncer.schedule('credential', true);
      else if (event === 'unlink') logger.warn({ file: this.options.file }, `${this.label} removed; waiting for a new one`);
    });
    watcher.on('error', (error) => logger.warn({ file: this.options.file, error: describeError(error) }, `${this.label} watcher error`));
    await new Promise<void>((resolve) => {
      watcher.once('ready', resolve);
      this.options.signal?.addEventListener('abort', () => resolve(), { once: true });
    });
    if (this.closePromise) return;
    logger.debug({ file: this.options.file }, `watching ${this.label} for changes`);
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
