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
 * that an event touches. Nothing is read or scanned: an event costs the same however many files
 * the directory holds and whatever happens to them, and unrelated activity costs one callback
 * each. chokidar re-reads (and lstats) the whole directory after every event, back to back while
 * events keep coming: with 10,000 files beside an app churning its own, that is a watcher that
 * never rests. Symlinks are never followed (the watch is on the directory, events carry names).
 * Throws when the directory cannot be watched (missing: ENOENT).
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
