/**
 * How a `vaultlet.io/secret-<file>` path becomes a secret of the agent's config. Without
 * `vaultlet.io/kind-<file>` the kind is inferred: a `creds` segment (database/creds/app,
 * aws/creds/app) or `aws/sts/…` is a leased secret, anything else is KV v2. A KV v2 path may be
 * written as the API path (`secret/data/app/config`) or as the kv CLI does (`secret/app/config`);
 * the first segment is the mount unless `vaultlet.io/mount-<file>` names it, and then the whole
 * value is the path inside that mount.
 */

export type SecretKind = 'leased' | 'kv2';

export type SecretLocation = { kind: 'leased'; path: string } | { kind: 'kv2'; mount: string; path: string };

/** A problem (without the annotation name, which the caller adds), or undefined. */
export function vaultPathProblem(path: string): string | undefined {
  if (path.trim() === '') return 'must be a Vault path such as database/creds/my-app';
  if (/\s/.test(path)) return 'must not contain whitespace';
  if (path.startsWith('/') || path.endsWith('/')) return 'must not start or end with "/"';
  const segments = path.split('/');
  if (segments.includes('..') || segments.includes('.')) return 'must not contain "." or ".." segments';
  if (segments.includes('')) return 'must not contain "//"';
  return undefined;
}

export function inferKind(path: string): SecretKind {
  const segments = path.split('/');
  if (segments.slice(1).includes('creds')) return 'leased';
  if (segments.length >= 3 && segments[1] === 'sts') return 'leased';
  return 'kv2';
}

/** Resolves a checked path (see vaultPathProblem) into a location, or a problem. */
export function locate(path: string, kind: SecretKind, mount: string | undefined): SecretLocation | string {
  if (kind === 'leased') {
    if (mount !== undefined) return 'only for kind kv2 (a leased path already starts with its mount)';
    return { kind, path };
  }
  if (mount !== undefined) return { kind, mount, path };
  const [first, ...rest] = path.split('/');
  const inside = rest[0] === 'data' && rest.length > 1 ? rest.slice(1) : rest;
  if (!first || inside.length === 0) return 'must be <mount>/<path> for a KV v2 secret, e.g. secret/data/my-app/config';
  return { kind, mount: first, path: inside.join('/') };
}
