import type { FileConfig } from '../config/index.js';
import { RenderError } from '../errors.js';
import { describeError } from '../log.js';
import { AtomicFileSink, type FileStamp } from '../render/atomic-file-sink.js';
import type { DirectorySync } from '../render/directory-sync.js';
import type { FileInputs, FileRenderer } from './file-renderer.js';

export interface FileStatus {
  readonly file: string;
  readonly path: string;
  readonly secrets: readonly string[];
  readonly format: string;
  /** false: configured with track_reads: false, so the app's reads are not watched. */
  readonly trackReads: boolean;
  /** Holds the current data of all its secrets. */
  readonly upToDate: boolean;
  readonly lastWriteAt?: number;
  /** Value-free description of the last render or write failure, cleared by the next success. */
  readonly lastError?: string;
}

export type PublishResult =
  | { readonly outcome: 'written'; readonly changed: boolean; readonly created: boolean }
  | { readonly outcome: 'render-failed'; readonly error: RenderError };

/**
 * One file of the output directory: renders its secrets' data and writes it atomically. A render
 * failure (template, missing field) is kept here and affects only this file; a write failure is
 * thrown so the secret's worker retries it.
 */
export class OutputFile {
  readonly path: string;
  private readonly sink: AtomicFileSink;
  private upToDate = false;
  private lastWriteAt: number | undefined;
  private lastError: string | undefined;
  private everWritten = false;
  /** The bytes on disk, kept only when the read endpoint serves them. */
  private served: { bytes: Buffer; writtenAt: number } | undefined;

  constructor(
    readonly config: FileConfig,
    directory: string,
    private readonly render: FileRenderer,
    private readonly now: () => number,
    private readonly keepBytes = false,
    directorySync?: DirectorySync,
  ) {
    this.sink = new AtomicFileSink({ directory, file: config.file, mode: config.mode, uid: config.uid, gid: config.gid, directorySync });
    this.path = this.sink.path;
  }

  get name(): string {
    return this.config.file;
  }

  get written(): boolean {
    return this.everWritten;
  }

  /**
   * Replaces `previous` (its config or template changed on a reload): its version stays on disk,
   * and so counts as written and is served, until this file writes its own.
   */
  continueFrom(previous: OutputFile): void {
    this.everWritten = previous.everWritten;
    this.lastWriteAt = previous.lastWriteAt;
    if (this.keepBytes) this.served = previous.served;
  }

  async publish(inputs: FileInputs): Promise<PublishResult> {
    let bytes: Buffer;
    try {
      bytes = this.render(inputs);
    } catch (error) {
      if (!(error instanceof RenderError)) throw error;
      this.upToDate = false;
      this.lastError = error.message;
      return { outcome: 'render-failed', error };
    }
    try {
      const { changed, created = false } = await this.sink.write(bytes);
      if (changed || !this.lastWriteAt) this.lastWriteAt = this.now();
      if (this.keepBytes && (changed || !this.served)) this.served = { bytes, writtenAt: this.lastWriteAt };
      this.upToDate = true;
      this.everWritten = true;
      this.lastError = undefined;
      return { outcome: 'written', changed, created };
    } catch (error) {
      this.upToDate = false;
      this.lastError = describeError(error).message;
      throw error;
    }
  }

  /** What the read endpoint serves: the bytes last written, or nothing before the first write. */
  current(): { bytes: Buffer; writtenAt: number } | undefined {
    return this.served;
  }

  /** The file as its last write left it (or found it), for the access tracker. */
  get stamp(): FileStamp | undefined {
    return this.sink.stamp;
  }

  /** Whether the file on disk is still exactly what this agent last wrote there (one lstat). */
  intact(): Promise<boolean> {
    return this.sink.intact();
  }

  /** Deletes the file when it is dropped from the config; a symlink or directory in its place is left alone. */
  remove(): Promise<void> {
    return this.sink.remove();
  }

  status(): FileStatus {
    return {
      file: this.config.file,
      path: this.path,
      secrets: this.config.secrets,
      format: this.config.render.format,
      trackReads: this.config.trackReads !== false,
      upToDate: this.upToDate,
      ...(this.lastWriteAt !== undefined ? { lastWriteAt: this.lastWriteAt } : {}),
      ...(this.lastError !== undefined ? { lastError: this.lastError } : {}),
    };
  }
}
