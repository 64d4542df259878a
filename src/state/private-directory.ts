import { constants, promises as fs, type Stats } from 'node:fs';
import path from 'node:path';
import { UnsafePathError } from '../errors.js';
import { errnoOf } from '../render/sink-errors.js';

const { O_RDONLY, O_NOFOLLOW } = constants;

/**
 * The state directory holds the agent's Vault token. It must be a real directory (never a
 * symlink), owned by the agent, with no access for group or others; anything else is refused,
 * never repaired: a directory someone else made or opened up may be watched, and a symlink
 * planted at its name would send the token wherever it points.
 */
export function assertPrivateDirectory(directory: string, stats: Stats, uid = process.geteuid?.()): void {
  if (stats.isSymbolicLink()) throw refuse(directory, 'is a symlink');
  if (!stats.isDirectory()) throw refuse(directory, 'is not a directory');
  if (uid !== undefined && stats.uid !== uid) throw refuse(directory, `is owned by uid ${stats.uid}, not by the agent (uid ${uid})`);
  const mode = stats.mode & 0o777;
  if (mode & 0o077) throw refuse(directory, `has mode 0${mode.toString(8)}; it must be 0700 (no access for group or others)`);
}

function refuse(directory: string, why: string): UnsafePathError {
  return new UnsafePathError(directory, `the state directory ${why}; refusing to keep the Vault token there (remove it, or set state.file elsewhere)`);
}

/**
 * Checks the state directory, creating it (mode 0700, checked right after) when it is missing.
 * Only that last level: its parent is the operator's (by default the output directory, which
 * re-created here with mode 0700 would lock the app out of its secrets), so a missing parent
 * fails the save.
 */
export async function preparePrivateDirectory(directory: string): Promise<void> {
  const target = path.resolve(directory);
  const stats = await lstatOrUndefined(target);
  if (stats) return assertPrivateDirectory(target, stats);
  try {
    // mkdir never follows a symlink at the name it creates: one planted there fails with EEXIST.
    await fs.mkdir(target, { mode: 0o700 });
  } catch (error) {
    if (errnoOf(error) !== 'EEXIST') throw error;
  }
  const made = await lstatOrUndefined(target);
  if (!made) throw refuse(target, 'vanished right after it was created');
  assertPrivateDirectory(target, made);
}

/** Checks the state directory without creating it: false when it is missing. */
export async function checkPrivateDirectory(directory: string): Promise<boolean> {
  const target = path.resolve(directory);
  const stats = await lstatOrUndefined(target);
  if (stats) assertPrivateDirectory(target, stats);
  return stats !== undefined;
}

/** Reads a file of the state directory without following a symlink at its name. */
export async function readNoFollow(file: string): Promise<string> {
  const handle = await fs.open(file, O_RDONLY | O_NOFOLLOW);
  try {
    return await handle.readFile('utf8');
  } finally {
    await handle.close();
  }
}

async function lstatOrUndefined(file: string): Promise<Stats | undefined> {
  try {
    return await fs.lstat(file);
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return undefined;
    throw error;
  }
}
