import { lstatSync, promises as fs, type Stats } from 'node:fs';

/** What is known of the app reading one secret file. */
export interface FileAccess {
  /** Epoch ms the current version was written (the file's mtime). */
  readonly writtenAt: number;
  /** Epoch ms of the first read of the current version, if any. */
  readonly readAt?: number;
  /**
   * Epoch ms the oldest version the app has not read was written: the current version's write
   * time, or an earlier one when the versions before it went unread too. A file rewritten every
   * few minutes that nobody reads keeps this old, so "unread for 15 minutes" can be seen at all.
   */
  readonly unreadSince: number;
}

interface Tracked {
  readonly path: string;
  readonly ino: number;
  readonly writtenAt: number;
  readonly unreadSince: number;
  readAt?: number;
  checkedAt?: number;
}

/**
 * A version is looked at on every poll while new (an app picks up a rotation within seconds or
 * not at all), then once a minute: the read time comes from atime, so looking less often delays
 * when a late read is seen, never what time it is recorded at. An idle agent whose files nobody
 * reads would otherwise spend most of its CPU on these lstat calls (bench/).
 */
export const RECENT_VERSION_MS = 5 * 60_000;
export const LATE_LOOK_MS = 60_000;

/**
 * Watches atime to tell whether the app has read each secret file since it was last written.
 * Under relatime the kernel moves atime past mtime on the first read after a write and then
 * leaves it, so this sees the first read of each version, not every read. One lstat per file
 * per poll; vaultlet's own comparisons read with O_NOATIME so they never count as the app.
 */
export class AccessTracker {
  private readonly files = new Map<string, Tracked>();

  private on = false;

  get enabled(): boolean {
    return this.on;
  }

  /** Off until the output mount is known to update atime (see readsUpdateAtime). */
  enable(on: boolean): void {
    this.on = on;
    if (!on) this.files.clear();
  }

  /**
   * After a write (or on adopting a file already there): the version on disk now, as the write
   * saw it (`stamp`), or looked up when the writer could not say.
   */
  async written(secret: string, path: string, stamp?: { ino: number; mtimeMs: number; atimeMs: number }): Promise<void> {
    if (!this.enabled) return;
    const stats = stamp ?? (await fs.lstat(path).then((found) => (found.isFile() ? found : undefined), () => undefined));
    if (!stats) return;
    const known = this.files.get(secret);
    if (known && known.ino === stats.ino && known.writtenAt === stats.mtimeMs) return;
    // The version being replaced was never seen read, so the app has had nothing fresh since it
    // was written. (A read in the last poll interval before the rewrite is missed: its inode is gone.)
    const unreadSince = known && known.readAt === undefined ? known.unreadSince : stats.mtimeMs;
    this.files.set(secret, { path, ino: stats.ino, writtenAt: stats.mtimeMs, unreadSince, ...readIn(stats) });
  }

  forget(secret: string): void {
    this.files.delete(secret);
  }

  /**
   * Looks at every unread file that is due (see RECENT_VERSION_MS); run every few seconds. The
   * files are on an in-memory volume, so a synchronous lstat is a few microseconds and costs a
   * quarter of the CPU of the promise, thread-pool hop and callback of an asynchronous one.
   */
  refresh(now = Date.now()): void {
    for (const file of this.files.values()) {
      if (file.readAt !== undefined) continue;
      const recent = now - file.writtenAt < RECENT_VERSION_MS;
      if (!recent && file.checkedAt !== undefined && now - file.checkedAt < LATE_LOOK_MS) continue;
      file.checkedAt = now;
      const stats = lstatOrUndefined(file.path);
      if (!stats || stats.ino !== file.ino) continue; // replaced or gone: the next write re-tracks it
      file.readAt = readIn(stats).readAt;
    }
  }

  access(secret: string): FileAccess | undefined {
    const file = this.files.get(secret);
    return file ? { writtenAt: file.writtenAt, readAt: file.readAt, unreadSince: file.unreadSince } : undefined;
  }
}

/** Any failure (gone, a directory in the way, no permission) means "nothing to see this time". */
function lstatOrUndefined(path: string): Stats | undefined {
  try {
    return lstatSync(path, { throwIfNoEntry: false });
  } catch {
    return undefined;
  }
}

function readIn(stats: { atimeMs: number; mtimeMs: number }): { readAt?: number } {
  return stats.atimeMs > stats.mtimeMs ? { readAt: stats.atimeMs } : {};
}
