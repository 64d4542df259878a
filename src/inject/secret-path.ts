/**
 * How a `vaultlet.io/secret-<file>` value becomes a secret of the agent's config.
 *
 * Without `vaultlet.io/kind-<file>` the kind is inferred: a `creds` segment (database/creds/app,
 * aws/creds/app) or `aws/sts/…` is a leased secret, `<mount>/static-creds/<role>` a static
 * role, `<mount>/issue/<role>` (or any value with a `?` query) a certificate (`pki`: the query
 * holds the issue request's parameters, `?common_name=…&ttl=…`), anything else KV v2. A KV v2
 * secret whose name ends in `issue/<x>` is written in the API form (`secret/data/…/issue/x`).
 * The other kinds are only named explicitly: `read` (any path, read as it is) and `kv1`.
 *
 * A KV path may be written as the API path (`secret/data/app/config`, v2 only) or as the kv CLI
 * does (`secret/app/config`); the first segment is the mount unless `vaultlet.io/mount-<file>`
 * names it, and then the whole value is the path inside that mount.
 */

export const SECRET_KINDS = ['leased', 'read', 'kv2', 'kv1', 'pki', 'static'] as const;
export type SecretKind = (typeof SECRET_KINDS)[number];

export type SecretLocation =
  | { kind: 'leased' | 'read'; path: string }
  | { kind: 'kv2' | 'kv1'; mount: string; path: string }
  | { kind: 'pki'; mount: string; role: string; params: Record<string, string> }
  | { kind: 'static'; mount: string; role: string };

/**
 * The issue parameters a pod may set. Not `format`: the agent splits PEM, so DER or a bundle
 * would leave it with nothing to write; not `serial_number`, which only belongs in a subject.
 */
export const PKI_PARAMS = [
  'common_name', 'alt_names', 'ip_sans', 'uri_sans', 'other_sans', 'ttl', 'not_after',
  'exclude_cn_from_sans', 'private_key_format', 'remove_roots_from_chain', 'user_ids', 'issuer_ref',
] as const;

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

/** The Vault path and, after a `?`, the query (only pki has one). */
export function splitQuery(value: string): { path: string; query: string | undefined } {
  const at = value.indexOf('?');
  return at === -1 ? { path: value, query: undefined } : { path: value.slice(0, at), query: value.slice(at + 1) };
}

export function inferKind(path: string, query?: string): SecretKind {
  const segments = path.split('/');
  // Guessing KV for a certificate would read pki/issue/<role> and fail at run time, not here.
  if (query !== undefined) return 'pki';
  if (segments.length >= 3 && segments.at(-2) === 'issue' && segments[1] !== 'data') return 'pki';
  if (segments.length >= 3 && segments.at(-2) === 'static-creds') return 'static';
  if (segments.slice(1).includes('creds')) return 'leased';
  if (segments.length >= 3 && segments[1] === 'sts') return 'leased';
  return 'kv2';
}

/** Resolves a checked path (see vaultPathProblem) into a location, or a problem. */
export function locate(path: string, kind: SecretKind, mount: string | undefined, query: string | undefined): SecretLocation | string {
  if (query !== undefined && kind !== 'pki') return 'a "?" query (certificate parameters) is only for kind pki';
  if (mount !== undefined && kind !== 'kv2' && kind !== 'kv1') return 'only for kind kv2 or kv1 (the other kinds\' paths already start with their mount)';
  switch (kind) {
    case 'leased':
    case 'read':
      return { kind, path };
    case 'kv2':
    case 'kv1':
      return kvLocation(path, kind, mount);
    case 'static': {
      const parts = mountAndRole(path, 'static-creds');
      return parts ? { kind, ...parts } : 'must be <mount>/static-creds/<role> for a static role, e.g. database/static-creds/my-app';
    }
    case 'pki': {
      const parts = mountAndRole(path, 'issue');
      if (!parts) return 'must be <mount>/issue/<role> for a certificate, e.g. pki/issue/web?common_name=web.demo.svc';
      const params = pkiParams(query ?? '');
      return typeof params === 'string' ? params : { kind, ...parts, params };
    }
  }
}

function kvLocation(path: string, kind: 'kv2' | 'kv1', mount: string | undefined): SecretLocation | string {
  if (mount !== undefined) return { kind, mount, path };
  const [first, ...rest] = path.split('/');
  const inside = kind === 'kv2' && rest[0] === 'data' && rest.length > 1 ? rest.slice(1) : rest;
  const example = kind === 'kv2' ? 'secret/data/my-app/config' : 'kv/my-app/config';
  if (!first || inside.length === 0) return `must be <mount>/<path> for a ${kind === 'kv2' ? 'KV v2' : 'KV v1'} secret, e.g. ${example}`;
  return { kind, mount: first, path: inside.join('/') };
}

/** `<mount…>/<verb>/<role>`: the mount may have several segments, the role has one. */
function mountAndRole(path: string, verb: string): { mount: string; role: string } | undefined {
  const segments = path.split('/');
  if (segments.length < 3 || segments.at(-2) !== verb) return undefined;
  return { mount: segments.slice(0, -2).join('/'), role: segments.at(-1)! };
}

function pkiParams(query: string): Record<string, string> | string {
  const params: Record<string, string> = {};
  const allowed: readonly string[] = PKI_PARAMS;
  for (const [key, value] of new URLSearchParams(query)) {
    if (!allowed.includes(key)) return `unknown certificate parameter "${key.slice(0, 40)}" (known: ${PKI_PARAMS.join(', ')})`;
    if (key in params) return `certificate parameter "${key}" is given twice (use one comma-separated list)`;
    if (value === '') return `certificate parameter "${key}" is empty`;
    params[key] = value;
  }
  return params;
}
