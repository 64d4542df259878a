import type { FileConfig } from '../config/index.js';
import type { Lease } from '../lease/lease.js';
import type { Logger } from '../log.js';
import type { FileStamp } from '../render/atomic-file-sink.js';
import { DirectorySync } from '../render/directory-sync.js';
import type { CompiledTemplate } from '../render/template.js';
import { fileRenderer } from './file-renderer.js';
import { OutputFile, type FileStatus } from './output-file.js';

export interface FileSetOptions {
  readonly directory: string;
  readonly logger: Logger;
  readonly now?: () => number;
  /** Keep each file's bytes in memory for the read endpoint. */
  readonly keepBytes?: boolean;
  /** A file now holds new bytes; `created` when no earlier version was there for the app to have read. */
  readonly onChanged?: (file: OutputFile, created: boolean) => void;
  /** A file holds its current version (written, or found already right), as `stamp` says when known. */
  readonly onCurrent?: (file: OutputFile, stamp?: FileStamp) => void;
}

/**
 * The files of the output directory and the newest data of every secret: a secret's new data
 * re-renders each file drawn from it, once every secret that file needs has data. Several files
 * from one secret, one file from several secrets.
 */
export class FileSet {
  private readonly data = new Map<string, Lease>();
  private readonly files = new Map<string, OutputFile>();
  private readonly fileNames = new Set<string>();
  /** The files drawn from each secret, rebuilt by configure(): publish() runs for every secret. */
  private bySecret = new Map<string, OutputFile[]>();
  private readonly now: () => number;
  /** One for the directory: the files' writes share its syncs. */
  private readonly directorySync: DirectorySync;

  constructor(private readonly options: FileSetOptions) {
    this.now = options.now ?? Date.now;
    this.directorySync = new DirectorySync(options.directory);
  }

  /** Adds, replaces or drops files (at start and on a config reload); returns the names dropped. */
  configure(files: readonly FileConfig[], templates: ReadonlyMap<string, CompiledTemplate>): string[] {
    const wanted = new Set(files.map((file) => file.file));
    const dropped = [...this.files.keys()].filter((name) => !wanted.has(name));
    for (const name of dropped) {
      this.files.delete(name);
      this.fileNames.delete(name);
    }
    for (const config of files) {
      const existing = this.files.get(config.file);
      // A template object is new on every compile, so a reloaded template is always re-rendered.
      if (existing && sameFile(existing.config, config) && !templates.has(config.file)) continue;
      const file = new OutputFile(config, this.options.directory, fileRenderer(config, templates.get(config.file)), this.now, this.options.keepBytes, this.directorySync);
      // Until the caller refreshes it, the old version is what the app has: no readiness flap.
      if (existing) file.continueFrom(existing);
      this.files.set(config.file, file);
      this.fileNames.add(config.file);
    }
    this.bySecret = new Map();
    for (const file of this.files.values()) {
      for (const secret of file.config.secrets) {
        const drawn = this.bySecret.get(secret);
        if (drawn) drawn.push(file);
        else this.bySecret.set(secret, [file]);
      }
    }
    return dropped;
  }

  /** The names of the files drawn from this secret. */
  filesOf(secret: string): string[] {
    return (this.bySecret.get(secret) ?? []).map((file) => file.name);
  }

  /** The names of every file, kept up to date by configure(): a live view, never a copy. */
  get names(): ReadonlySet<string> {
    return this.fileNames;
  }

  get(file: string): OutputFile | undefined {
    return this.files.get(file);
  }

  all(): OutputFile[] {
    return [...this.files.values()];
  }

  /** Forgets a removed secret's data, so no file can be rendered from it again. */
  forget(secret: string): void {
    this.data.delete(secret);
  }

  /**
   * Stores the secret's new data and writes every file drawn from it. Files still waiting for
   * another secret are skipped; a render failure stays with its file; the first write failure
   * is thrown after every file has been tried.
   */
  async publish(secret: string, lease: Lease): Promise<{ changed: boolean }> {
    this.data.set(secret, lease);
    const results = await Promise.allSettled((this.bySecret.get(secret) ?? []).map((file) => this.write(file)));
    const failed = results.find((result) => result.status === 'rejected');
    if (failed) throw failed.reason;
    return { changed: results.some((result) => result.status === 'fulfilled' && result.value) };
  }

  /** Writes the file again from the data in hand: it was deleted or altered, or its config changed. */
  async refresh(file: string): Promise<boolean> {
    const target = this.files.get(file);
    return target ? this.write(target) : false;
  }

  private async write(file: OutputFile): Promise<boolean> {
    const inputs = new Map<string, Lease>();
    for (const secret of file.config.secrets) {
      const lease = this.data.get(secret);
      if (!lease) return false;
      inputs.set(secret, lease);
    }
    const result = await file.publish(inputs);
    if (result.outcome === 'render-failed') {
      this.options.logger.warn({ file: file.name, error: result.error.message }, 'could not render the file; the previous version stays');
      return false;
    }
    if (result.changed) this.options.onChanged?.(file, result.created);
    this.options.onCurrent?.(file, file.stamp);
    return result.changed;
  }

  statuses(): FileStatus[] {
    return this.all().map((file) => file.status());
  }

  /**
   * Why files are not ready: never written, waiting for a secret, or failing to render. At most
   * `limit` reasons are put into words; `more` counts the rest, so a probe during the start of
   * ten thousand secrets does not build ten thousand strings.
   */
  notReady(limit = Number.POSITIVE_INFINITY): string[] & { more?: number } {
    const reasons: string[] & { more?: number } = [];
    let more = 0;
    for (const file of this.files.values()) {
      if (file.written) continue;
      if (reasons.length >= limit) {
        more++;
        continue;
      }
      const status = file.status();
      const waiting = file.config.secrets.filter((secret) => !this.data.has(secret));
      if (status.lastError) reasons.push(`file "${file.name}": ${status.lastError}`);
      else reasons.push(waiting.length ? `file "${file.name}": waiting for secret "${waiting.join('", "')}"` : `file "${file.name}": not written yet`);
    }
    if (more) reasons.more = more;
    return reasons;
  }
}

function sameFile(a: FileConfig, b: FileConfig): boolean {
  return JSON.stringify({ ...a, key: '' }) === JSON.stringify({ ...b, key: '' });
}
