/**
 * What a secret source hands to the lease manager: the data plus the timing facts Vault gave.
 * `ttlMs` is counted from `obtainedAt` (the moment Vault answered), so expiry is a pure sum.
 */
export interface Lease<T = Record<string, unknown>> {
  /** Vault's lease_id; empty for KV and other unleased reads. */
  readonly id: string;
  readonly ttlMs: number;
  readonly renewable: boolean;
  /** Epoch milliseconds when Vault issued or last renewed this lease. */
  readonly obtainedAt: number;
  /** KV v2 metadata.version, when the source has one. */
  readonly version?: number;
  /**
   * Data that stops working at a known moment though Vault gave no lease: a certificate (valid
   * from NotBefore to NotAfter, replaced at a fraction of that lifetime) or a static role's
   * password (valid until Vault's next rotation, re-read just after it).
   */
  readonly validity?: Validity;
  readonly data: T;
}

export interface Validity {
  /** Epoch ms the data became valid (a certificate's NotBefore; the read for static roles). */
  readonly from: number;
  /** Epoch ms it stops working (NotAfter; Vault's next rotation). */
  readonly until: number;
  /** before: replace it ahead of `until` (certificates); after: re-read once Vault has rotated it. */
  readonly rotate: 'before' | 'after';
}

export function leaseExpiresAt(lease: Pick<Lease, 'id' | 'ttlMs' | 'obtainedAt' | 'validity'>): number {
  if (lease.validity) return lease.validity.until;
  return lease.id && lease.ttlMs > 0 ? lease.obtainedAt + lease.ttlMs : Number.POSITIVE_INFINITY;
}

/**
 * The lifetime granted at the last issue or renewal, the whole from which a fraction is left: a
 * lease's TTL, a certificate's issue → NotAfter (not NotBefore, which Vault backdates), a static
 * password's read → next rotation. Undefined for data that never expires.
 */
export function grantedTtlMs(lease: Pick<Lease, 'id' | 'ttlMs' | 'obtainedAt' | 'validity'>): number | undefined {
  if (lease.validity) return Math.max(0, lease.validity.until - Math.max(lease.validity.from, lease.obtainedAt));
  return lease.id && lease.ttlMs > 0 ? lease.ttlMs : undefined;
}
