/**
 * Claim lookups of Vault's JWT auth (claims.go): a claim name starting with "/" is a JSON
 * pointer into nested claims (e.g. "/kubernetes.io/namespace"), anything else a top-level key.
 */
export type Claims = Record<string, unknown>;

export function getClaim(claims: Claims, name: string): unknown {
  if (!name.startsWith('/')) return claims[name];
  let node: unknown = claims;
  for (const raw of name.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(node)) {
      if (!/^\d+$/.test(key)) return undefined;
      node = node[Number(key)];
    } else if (typeof node === 'object' && node !== null) {
      node = (node as Record<string, unknown>)[key];
    } else {
      return undefined;
    }
    if (node === undefined) return undefined;
  }
  return node;
}

/** A string or bool becomes a one-item list, a list stays; anything else is not a list. */
export function normalizeList(raw: unknown): unknown[] | undefined {
  if (Array.isArray(raw)) return raw;
  if (typeof raw === 'string' || typeof raw === 'boolean') return [raw];
  return undefined;
}

const goValue = (value: unknown): string => (typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value));

/** ryanuber/go-glob: `*` matches any run of characters, nothing else is special. */
function globMatch(pattern: string, value: string): boolean {
  const body = pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*');
  return new RegExp(`^${body}$`, 's').test(value);
}

/** Every bound claim must be present and match one of its values (exactly, or as a glob). */
export function validateBoundClaims(claimsType: 'string' | 'glob', bound: Record<string, unknown>, claims: Claims): void {
  for (const [claim, expected] of Object.entries(bound)) {
    const actual = getClaim(claims, claim);
    if (actual === undefined || actual === null) throw new Error(`claim "${claim}" is missing`);
    const actualValues = normalizeList(actual);
    if (!actualValues) throw new Error(`received claim is not a string or list: ${goValue(actual)}`);
    const expectedValues = normalizeList(expected);
    if (!expectedValues) throw new Error(`bound claim is not a string or list: ${goValue(expected)}`);
    const found = expectedValues.some((want) =>
      actualValues.some((got) => {
        if (claimsType === 'string') return want === got;
        if (typeof want !== 'string') throw new Error(`received claim is not a glob string: ${goValue(want)}`);
        return typeof got === 'string' && globMatch(want, got);
      }),
    );
    if (!found) throw new Error(`claim "${claim}" does not match any associated bound claim values`);
  }
}

/** The entity alias name: the role's user_claim, which must be a string. */
export function userClaimValue(claims: Claims, userClaim: string, jsonPointer: boolean): string {
  const raw = jsonPointer ? getClaim(claims, userClaim) : claims[userClaim];
  if (raw === undefined || raw === null) throw new Error(`claim "${userClaim}" not found in token`);
  if (typeof raw !== 'string') throw new Error(`claim "${userClaim}" could not be converted to string`);
  return raw;
}

/** claim_mappings: claim → metadata key; mapped claims must be strings, absent ones are skipped. */
export function extractMetadata(claims: Claims, mappings: Record<string, string>): Record<string, string> {
  const metadata: Record<string, string> = {};
  for (const [source, target] of Object.entries(mappings)) {
    const value = getClaim(claims, source);
    if (value === undefined || value === null) continue;
    if (typeof value !== 'string') throw new Error(`error converting claim '${source}' to string`);
    metadata[target] = value;
  }
  return metadata;
}
