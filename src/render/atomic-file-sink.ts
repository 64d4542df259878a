import { createHash, randomBytes } from 'node:crypto';
import { constants, promises as fs, type BigIntStats } from 'node:fs';
import path from 'node:path';
import { SinkError, UnsafePathError } from '../errors.js';
import { DirectorySync } from './directory-sync.js';
import { assertSafeFileName, TEMP_RANDOM_BYTES, tempNameFor } from './file-name.js';
import { errnoOf, sinkFailure } from './sink-errors.js';

export { assertSafeFileName } from './file-name.js';
export { probeDirectory } from './probe-directory.js';

const { O_RDONLY, O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW, O_NOATIME } = constants;

export interface SinkOptions {
  directory: string;
  file: string;
  /** Permission bits of the file, e.g. 0o400; set before any byte is written. */
  mode: number;
  uid?: number;
  gid?: number;
  /** Shared by every sink of the directory so their directory syncs coalesce; one of its own by default. */
  directorySync?: DirectorySync;
}

/** What is at the target now, for the access tracker: which inode, when written, when last read. */
export interface FileStamp {
  readonly ino: number;
  readonly mtimeMs: number;
  readonly atimeMs: number;
}

export interface SinkWriteResult {
  readonly changed: boolean;
  /** There was no file before, so no app can have read an older version. */
  readonly created?: boolean;
}

/**
 * What the target looked like right after our last write; any change moves ctime. Numbers where
 * they are exact (device, inode, size), nanosecond times as bigints: one of these per file.
 */
interface Written {
  sha256: string;
  dev: number;
  ino: number;
  size: number;
  mtimeNs: bigint;
  ctimeNs: bigint;
}

/**
 * Writes one secret file the way consul-template and Vault Agent do: temp file in the same
 * directory, created with the final mode, synced, renamed over the target, directory synced.
 * Readers see the old bytes or the new bytes, never a mix; unchanged bytes touch nothing.
 */
export class AtomicFileSink {
  readonly path: string;
  private readonly directory: string;
  private readonly file: string;
  private readonly mode: number;
  private readonly uid: number | undefined;
  private readonly gid: number | undefined;
  private readonly directorySync: DirectorySync;
  private lastWritten: Written | undefined;
  private seen: FileStamp | undefined;
  /** Each operation starts after the previous one settles, so writes never interleave. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(options: SinkOptions) {
    assertSafeFileName(options.file);
    if (!Number.isInteger(options.mode) || options.mode < 0 || options.mode > 0o777) {
      throw new SinkError(options.file, `mode must be permission bits between 0 and 0o777`);
    }
    this.directory = path.resolve(options.directory);
    this.file = options.file;
    this.path = path.join(this.directory, options.file);
    this.mode = options.mode;
    this.uid = options.uid;
    this.gid = options.gid;
    this.directorySync = options.directorySync ?? new DirectorySync(this.directory);
  }

  write(bytes: Buffer): Promise<SinkWriteResult> {
    return this.serialise(() => this.writeNow(bytes));
  }

  /** The file as the last write left it (or found it, unchanged); undefined if it could not be looked at. */
  get stamp(): FileStamp | undefined {
    return this.seen;
  }

  /**
   * Whether the file is still exactly what our last write left (same inode, size, times, mode
   * and owner): one lstat, no read and no render. False when never written or anything differs.
   */
  intact(): Promise<boolean> {
    return this.serialise(async () => {
      const last = this.lastWritten;
      if (!last) return false;
      const stats = await fs.lstat(this.path, { bigint: true }).catch(() => undefined);
      return stats !== undefined && stats.isFile() && sameFile(last, stats) && this.hasOwnMode(stats);
    });
  }

  /** Deletes the target if it is our regular file; a missing file is not an error. */
  remove(): Promise<void> {
    return this.serialise(async () => {
      this.lastWritten = undefined;
      try {
        const stats = await fs.lstat(this.path);
        if (!stats.isFile()) return; // not ours to delete
        await fs.unlink(this.path);
      } catch (error) {
        if (errnoOf(error) !== 'ENOENT') throw sinkFailure(this.path, 'removing the file', error);
      }
    });
  }

  private serialise<T>(operation: () => Promise<T>): Promise<T> {
    const result = this.queue.then(operation, operation);
    this.queue = result.catch(() => {});
    return result;
  }

  private async writeNow(bytes: Buffer): Promise<SinkWriteResult> {
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    this.seen = undefined;
    const current = await this.lstatTarget();
    if (current && (await this.isUnchanged(current, bytes, sha256))) {
      this.seen = stampOf(current);
      return { changed: false };
    }
    const written = await this.replace(bytes, sha256);
    this.seen = written ? stampOf(written) : undefined;
    return current ? { changed: true } : { changed: true, created: true };
  }

  private hasOwnMode(stats: BigIntStats): boolean {
    if (Number(stats.mode & 0o777n) !== this.mode) return false;
    if (this.uid !== undefined && stats.uid !== BigInt(this.uid)) return false;
    return this.gid === undefined || stats.gid === BigInt(this.gid);
  }

  private async lstatTarget(): Promise<BigIntStats | undefined> {
    let stats: BigIntStats;
    try {
      stats = await fs.lstat(this.path, { bigint: true });
    } catch (error) {
      if (errnoOf(error) === 'ENOENT') return undefined;
      throw sinkFailure(this.path, 'checking the existing file', error);
    }
    if (stats.isSymbolicLink()) throw new UnsafePathError(this.path, 'target is a symlink; refusing to follow or replace it');
    if (!stats.isFile()) throw new UnsafePathError(this.path, 'target exists and is not a regular file');
    return stats;
  }

  private async isUnchanged(stats: BigIntStats, bytes: Buffer, sha256: string): Promise<boolean> {
    if (!this.hasOwnMode(stats)) return false;
    if (stats.size !== BigInt(bytes.length)) return false;
    const last = this.lastWritten;
    if (last && sameFile(last, stats)) return last.sha256 === sha256;
    // Not the file we last wrote (or we never wrote it): compare its bytes without following links.
    const onDisk = await readNoFollow(this.path);
    if (!onDisk || !onDisk.equals(bytes)) return false;
    this.lastWritten = { sha256, ...fingerprint(stats) };
    return true;
  }

  /** Returns the new file's stats, or undefined if it could not be looked at after the rename. */
  private async replace(bytes: Buffer, sha256: string): Promise<BigIntStats | undefined> {
    const temp = path.join(this.directory, tempNameFor(this.file, randomBytes(TEMP_RANDOM_BYTES).toString('hex')));
    let step = 'creating the temporary file';
    let created = false;
    try {
      const handle = await fs.open(temp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, this.mode);
      created = true;
      try {
        step = 'setting the file mode';
        await handle.chmod(this.mode); // the umask may have narrowed the mode given to open
        if (this.uid !== undefined || this.gid !== undefined) {
          step = 'setting the file owner';
          await handle.chown(this.uid ?? -1, this.gid ?? -1);
        }
        step = 'writing the temporary file';
        await handle.writeFile(bytes);
        step = 'syncing the temporary file';
        await handle.sync();
      } finally {
        await handle.close();
      }
      step = 'renaming the temporary file over the target';
      await fs.rename(temp, this.path);
      created = false;
    } catch (error) {
      if (created) await fs.unlink(temp).catch(() => {});
      throw sinkFailure(this.path, step, error);
    }
    const stats = await fs.lstat(this.path, { bigint: true }).catch(() => undefined);
    this.lastWritten = stats ? { sha256, ...fingerprint(stats) } : undefined;
    await this.directorySync.sync().catch((error: unknown) => {
      throw sinkFailure(this.path, 'syncing the output directory (the new file is in place)', error);
    });
    return stats;
  }
}

function stampOf(stats: BigIntStats): FileStamp {
  return { ino: Number(stats.ino), mtimeMs: Number(stats.mtimeNs) / 1e6, atimeMs: Number(stats.atimeNs) / 1e6 };
}

function fingerprint(stats: BigIntStats): Omit<Written, 'sha256'> {
  const { mtimeNs, ctimeNs } = stats;
  return { dev: Number(stats.dev), ino: Number(stats.ino), size: Number(stats.size), mtimeNs, ctimeNs };
}

function sameFile(last: Written, stats: BigIntStats): boolean {
  return (
    last.dev === Number(stats.dev) &&
    last.ino === Number(stats.ino) &&
    last.size === Number(stats.size) &&
    last.mtimeNs === stats.mtimeNs &&
    last.ctimeNs === stats.ctimeNs
  );
}

/** The file's bytes, or undefined when it cannot be read (then it is simply rewritten). */
async function readNoFollow(file: string): Promise<Buffer | undefined> {
  try {
    // O_NOATIME: vaultlet comparing bytes must not look like the app reading its secret (the
    // access tracker watches atime). Allowed only to the file's owner; fall back without it.
    const handle = await fs.open(file, O_RDONLY | O_NOFOLLOW | O_NOATIME).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPERM') throw error;
      return fs.open(file, O_RDONLY | O_NOFOLLOW);
    });
    try {
      return await handle.readFile();
    } finally {
      await handle.close();
    }
  } catch {
    return undefined;
  }
}
