import type { TokenEntry, TokenStore } from './tokens.js';

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/** The `auth` block of login, create and renew answers. */
export function authBlock(token: TokenEntry, leaseDuration: number): Record<string, unknown> {
  return {
    client_token: token.id,
    accessor: token.accessor,
    policies: token.policies,
    token_policies: token.policies,
    metadata: token.meta,
    lease_duration: leaseDuration,
    renewable: token.renewable,
    entity_id: token.entityId,
    token_type: 'service',
    orphan: token.parentId === undefined,
    mfa_requirement: null,
    num_uses: 0,
  };
}

/** The `data` of auth/token/lookup and lookup-self. */
export function lookupData(tokens: TokenStore, token: TokenEntry): Record<string, unknown> {
  return {
    accessor: token.accessor,
    creation_time: Math.floor(token.issueTime / 1000),
    creation_ttl: token.creationTtl,
    display_name: token.displayName,
    entity_id: token.entityId,
    expire_time: iso(token.expireAt),
    explicit_max_ttl: token.explicitMaxTtl,
    id: token.id,
    issue_time: iso(token.issueTime),
    meta: token.meta,
    num_uses: 0,
    orphan: token.parentId === undefined,
    path: token.path,
    policies: token.policies,
    renewable: token.renewable,
    ttl: tokens.ttlSeconds(token),
    type: 'service',
    ...(token.period ? { period: token.period } : {}),
    ...(token.lastRenewal !== null
      ? { last_renewal: iso(token.lastRenewal), last_renewal_time: Math.floor(token.lastRenewal / 1000) }
      : {}),
  };
}
