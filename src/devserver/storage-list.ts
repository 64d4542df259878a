import { notFound, type Reply } from './vault-http.js';

/**
 * A LIST over stored keys as Vault answers it: the direct children of `path`, sub-folders
 * ending in "/", sorted; 404 when there are none.
 */
export function listChildren(stored: Iterable<string>, path: string): Reply {
  const prefix = path === '' || path.endsWith('/') ? path : `${path}/`;
  const keys = new Set<string>();
  for (const key of stored) {
    if (!key.startsWith(prefix)) continue;
    const rest = key.slice(prefix.length);
    const slash = rest.indexOf('/');
    keys.add(slash >= 0 ? rest.slice(0, slash + 1) : rest);
  }
  if (keys.size === 0) throw notFound();
  return { data: { keys: [...keys].sort() } };
}
