import { randomBytes } from 'node:crypto';
import { constants, promises as fs } from 'node:fs';
import path from 'node:path';
import { SinkError, UnsafePathError } from '../errors.js';
import { errnoOf, sinkFailure } from './sink-errors.js';

const { O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW } = constants;

/**
 * Fails at start-up, not at the first secret, when the output volume is unusable: the directory
 * must exist, be a real directory (not a symlink) and accept a created, synced and removed file.
 */
export async function probeDirectory(directory: string): Promise<void> {
  const dir = path.resolve(directory);
  let stats;
  try {
    stats = await fs.lstat(dir);
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') throw new SinkError(dir, 'output directory is missing (ENOENT)', { cause: error });
    throw sinkFailure(dir, 'checking the output directory', error);
  }
  if (stats.isSymbolicLink()) throw new UnsafePathError(dir, 'output directory is a symlink');
  if (!stats.isDirectory()) throw new SinkError(dir, 'output directory is not a directory');

  const probe = path.join(dir, `.vaultlet-probe.tmp-${randomBytes(6).toString('hex')}`);
  let created = false;
  try {
    const handle = await fs.open(probe, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o600);
    created = true;
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.unlink(probe);
    created = false;
  } catch (error) {
    if (created) await fs.unlink(probe).catch(() => {});
    throw sinkFailure(dir, 'test write to the output directory', error);
  }
}
