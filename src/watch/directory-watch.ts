import { watch, type FSWatcher } from 'node:fs';
import path from 'node:path';

export interface DirectoryWatchHandlers {
  /** Something happened to the direct child `name` (created, written, renamed, removed, re-linked). */
  onName(name: string): void;
  /** The directory itself may have been removed or moved away: the watch may now be dead. */
  onSelf(): void;
  onError(error: Error): void;
}

/**
 * One inotify watch on a directory (Node's fs.watch), reporting the name of each direct child
 * that an event touches: for the output directory, which holds every file the agent writes (up
 * to ten thousand). chokidar, which watches the token and config files (credential-watcher.ts),
 * is not used here: watching a directory, it holds one fs.watch per file in it and re-reads (and
 * lstats) the whole directory after events, so at 2,000 secrets it took 42% of the agent's CPU
 * while the files were written (bench/ scale rows). Here nothing is read or scanned: an event
 * costs one callback whatever the directory holds. Symlinks are never followed (the watch is on
 * the directory, events carry names). Throws when the directory cannot be watched (ENOENT).
 */
export function watchDirectory(directory: string, handlers: DirectoryWatchHandlers): { close(): void } {
  const self = path.basename(directory);
  const watcher: FSWatcher = watch(directory, { persistent: true }, (_event, name) => {
    // Linux names the child; the directory's own removal or move arrives under its own name.
    if (name === null || name === undefined) return handlers.onSelf();
    const child = String(name);
    if (child === self) handlers.onSelf();
    handlers.onName(child);
  });
  watcher.on('error', (error) => handlers.onError(error));
  return { close: () => watcher.close() };
}
