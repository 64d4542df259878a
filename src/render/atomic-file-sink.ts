import { createHash, randomBytes } from 'node:crypto';
import { constants, promises as fs, type BigIntStats } from 'node:fs';
import path from 'node:path';
import { SinkError, UnsafePathError } from '../errors.js';
import { assertSafeFileName, tempNameFor } from './file-name.js';
import { errnoOf, sinkFailure } from './sink-errors.js';

export { assertSafeFileName } from './file-name.js';
export { probeDirectory } from './probe-directory.js';

const { O_RDONLY, O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW, O_DIRECTORY, O_NOATIME } = constants;

export interface SinkOptions {
  directory: string;
  file: string;
  /** Permission bits of the file, e.g. 0o400; set before any byte is written. */
  mode: number;
  uid?: number;
  gid?: number;
}

/** What the target looked like right after our last write; any change moves ctime. */
interface Written {
  sha256: string;
  dev: bigint;
  ino: bigint;
  size: bigint;
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
  private lastWritten: Written | undefined;
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
  }

  /** `created`: there was no file before, so no app can have read an older version. */
  write(bytes: Buffer): Promise<{ changed: boolean; created?: boolean }> {
    return this.serialise(() => this.writeNow(bytes));
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

  private async writeNow(bytes: Buffer): Promise<{ changed: boolean; created?: boolean }> {
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const current = await this.lstatTarget();
    if (current && (await this.isUnchanged(current, bytes, sha256))) return { changed: false };
    await this.replace(bytes, sha256);
    return current ? { changed: true } : { changed: true, created: true };
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
    if (Number(stats.mode & 0o777n) !== this.mode) return false;
    if (this.uid !== undefined && stats.uid !== BigInt(this.uid)) return false;
    if (this.gid !== undefined && stats.gid !== BigInt(this.gid)) return false;
    if (stats.size !== BigInt(bytes.length)) return false;
    const last = this.lastWritten;
    if (last && sameFile(last, stats)) return last.sha256 === sha256;
    // Not the file we last wrote (or we never wrote it): compare its bytes without following links.
    const onDisk = await readNoFollow(this.path);
    if (!onDisk || !onDisk.equals(bytes)) return false;
    this.lastWritten = { sha256, ...fingerprint(stats) };
    return true;
  }

  private async replace(bytes: Buffer, sha256: string): Promise<void> {
    const temp = path.join(this.directory, tempNameFor(this.file, randomBytes(6).toString('hex')));
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
    await syncDirectory(this.directory).catch((error: unknown) => {
      throw sinkFailure(this.path, 'syncing the output directory (the new file is in place)', error);
    });
  }
}

function fingerprint(stats: BigIntStats): Omit<Written, 'sha256'> {
  const { dev, ino, size, mtimeNs, ctimeNs } = stats;
  return { dev, ino, size, mtimeNs, ctimeNs };
}

function sameFile(last: Written, stats: BigIntStats): boolean {
  return (
    last.dev === stats.dev &&
    last.ino === stats.ino &&
    last.size === stats.size &&
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

/** Makes the rename itself durable; filesystems that cannot sync a directory are fine as they are. */
async function syncDirectory(directory: string): Promise<void> {
  const handle = await fs.open(directory, O_RDONLY | O_DIRECTORY);
  try {
    await handle.sync();
  } catch (error) {
    if (!['EINVAL', 'ENOTSUP', 'EBADF', 'EISDIR'].includes(errnoOf(error) ?? '')) throw error;
  } finally {
    await handle.close();
  }
}
