import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../log.js';

/**
 * Removes temp files a killed agent left behind (`.<file>.tmp-*` for the given files): they may
 * hold part of a secret, and a crash loop would pile them up in the shared volume. Only regular
 * files with our naming are touched; anything else in the directory is left alone.
 */
export async function removeStaleTempFiles(directory: string, files: Iterable<string>, logger: Logger): Promise<number> {
  const prefixes = [...files].map((file) => `.${file}.tmp-`);
  let names: string[];
  try {
    names = await fs.readdir(directory);
  } catch {
    return 0; // probeDirectory reports a missing directory
  }
  let removed = 0;
  for (const name of names) {
    if (!prefixes.some((prefix) => name.startsWith(prefix))) continue;
    const full = path.join(directory, name);
    const stats = await fs.lstat(full).catch(() => undefined);
    if (!stats?.isFile()) continue;
    await fs.unlink(full).then(() => removed++, () => {});
  }
  if (removed) logger.info({ removed }, 'removed temporary files left by an interrupted run');
  return removed;
}
