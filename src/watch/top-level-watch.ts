import path from 'node:path';
import { watch, type ChokidarOptions, type FSWatcher } from 'chokidar';

/**
 * A chokidar watcher on the direct children of `directory` that `isWanted(name)` accepts.
 * Symlinks are never followed (a symlink's own target change is reported as `change`), nothing
 * below the top level is read, and `atomic` is off because our writers rename, never unlink.
 * chokidar consults `ignored` on every scan, so `isWanted` may change its answer at runtime.
 */
export function watchTopLevel(directory: string, isWanted: (name: string) => boolean): FSWatcher {
  const options: ChokidarOptions = Object.freeze({
    depth: 0,
    followSymlinks: false,
    ignoreInitial: true,
    atomic: false,
    persistent: true,
    ignored: (candidate: string) =>
      candidate !== directory && (path.dirname(candidate) !== directory || !isWanted(path.basename(candidate))),
  });
  return watch(directory, options);
}

/**
 * Resolves on chokidar's `ready`, or when `stop` settles (close() removes chokidar's listeners,
 * so `ready` may never come). chokidar reports symlinks found by the initial scan as `add` even
 * with ignoreInitial, so callers ignore events until this resolves.
 */
export function whenReady(watcher: FSWatcher, stop: Promise<void>): Promise<void> {
  return Promise.race([new Promise<void>((resolve) => watcher.once('ready', () => resolve())), stop]);
}
