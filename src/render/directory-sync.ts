import { constants, promises as fs } from 'node:fs';
import { errnoOf } from './sink-errors.js';

const { O_RDONLY, O_DIRECTORY } = constants;

/**
 * Makes renames in one directory durable with as few fsyncs as possible: a sync that starts after
 * a writer's rename covers it, so writers arriving while one runs share the next one. Ten thousand
 * files written at start cost a few hundred directory syncs instead of ten thousand (each an
 * open, an fsync and a close). A failed sync fails every writer that shared it.
 */
export class DirectorySync {
  private running: Promise<void> | undefined;
  private queued: Promise<void> | undefined;

  constructor(readonly directory: string) {}

  /** Resolves once a sync that started after this call has completed. */
  sync(): Promise<void> {
    if (this.queued) return this.queued;
    if (!this.running) return (this.running = this.run());
    const queued = this.running
      .catch(() => {})
      .then(() => {
        this.queued = undefined;
        return (this.running = this.run());
      });
    this.queued = queued;
    return queued;
  }

  private async run(): Promise<void> {
    try {
      await syncDirectory(this.directory);
    } finally {
      this.running = undefined;
    }
  }
}

/** Filesystems that cannot sync a directory are fine as they are. */
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
