import { readFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * Whether reads in `directory` update atime. Linux's default (relatime, which tmpfs emptyDirs use)
 * updates it on the first read after a write, which is exactly the "has the app read the current
 * version" signal; `noatime` mounts never do, and then the answer is "unknown", not "unread".
 */
export async function readsUpdateAtime(directory: string): Promise<boolean> {
  let mountinfo: string;
  try {
    mountinfo = await readFile('/proc/self/mountinfo', 'utf8');
  } catch {
    return false;
  }
  const target = path.resolve(directory);
  let best: { point: string; options: string } | undefined;
  for (const line of mountinfo.split('\n')) {
    // id parent major:minor root mount-point mount-options ...
    const fields = line.split(' ');
    const point = fields[4]?.replace(/\\040/g, ' ');
    const options = fields[5];
    if (!point || !options) continue;
    const inside = target === point || target.startsWith(point.endsWith('/') ? point : `${point}/`);
    if (inside && (!best || point.length >= best.point.length)) best = { point, options };
  }
  return best !== undefined && !best.options.split(',').includes('noatime');
}
