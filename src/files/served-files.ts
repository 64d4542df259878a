import { createContentVersioner } from '../access/etag.js';
import type { ServedFile } from '../access/read-endpoint.js';
import type { FileSet } from './file-set.js';

/**
 * What the read endpoint serves for a file name: the bytes last written with a keyed version
 * tag (computed once per version), 'not_ready' before the first write, undefined when unknown.
 */
export function servedFiles(files: FileSet): (name: string) => ServedFile | undefined | 'not_ready' {
  const version = createContentVersioner();
  const versions = new WeakMap<Buffer, string>();
  return (name) => {
    const file = files.get(name);
    if (!file) return undefined;
    const current = file.current();
    if (!current) return 'not_ready';
    let tag = versions.get(current.bytes);
    if (!tag) versions.set(current.bytes, (tag = version(current.bytes)));
    return { bytes: current.bytes, version: tag, writtenAt: current.writtenAt };
  };
}
