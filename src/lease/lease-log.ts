import type { Lease } from './lease.js';

/**
 * What the logs say about a lease: only the timing that applies to its kind, so a KV line shows
 * its version rather than a meaningless `ttl_seconds: 0`. Never data, never the lease id.
 */
export function leaseLogFields(lease: Lease): Record<string, unknown> {
  if (lease.validity) return { valid_until: new Date(lease.validity.until).toISOString() };
  if (lease.id) return { ttl_seconds: lease.ttlMs / 1000, renewable: lease.renewable };
  return lease.version === undefined ? {} : { version: lease.version };
}

/** Why a renewal could not keep a lease, when the renewal itself said so. */
export type EndedBy = 'revoked' | 'max_ttl';

export interface RotationFacts {
  /** The lease on disk before. */
  readonly previous: Lease;
  /** Whether the lease had reached its max TTL (a renewal came back shorter than asked). */
  readonly capped: boolean;
  /** The agent token the lease hangs on ends before the lease. */
  readonly tokenEnding: boolean;
  /** A renewal answered that the lease is gone (revoked, expired) or granted no more time. */
  readonly endedBy?: EndedBy;
  readonly next: Lease;
}

/**
 * The reason a secret was replaced, in words an operator can act on: the same rotation is
 * routine when a lease reaches its max TTL and alarming when Vault revoked it.
 */
export function rotationReason(facts: RotationFacts): string {
  const { previous, next } = facts;
  if (facts.endedBy === 'revoked') return 'lease revoked or expired in Vault';
  if (facts.endedBy === 'max_ttl') return 'lease reached its max TTL (renewal granted no more time)';
  if (previous.validity?.rotate === 'before') return 'certificate reached its rotate_fraction';
  if (previous.validity?.rotate === 'after') return "Vault rotated the static role's password";
  if (previous.id) {
    if (facts.tokenEnding) return 'the agent token that owns the lease reaches its max TTL';
    if (facts.capped) return 'lease reached its max TTL';
    if (!previous.renewable) return 'lease not renewable';
    return 'lease replaced';
  }
  if (next.version !== undefined && next.version !== previous.version) return `new version (${previous.version ?? 'none'} → ${next.version})`;
  return 'data changed';
}
