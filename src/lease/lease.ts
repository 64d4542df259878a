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
  readonly data: T;
}

export function leaseExpiresAt(lease: Pick<Lease, 'id' | 'ttlMs' | 'obtainedAt'>): number {
  return lease.id && lease.ttlMs > 0 ? lease.obtainedAt + lease.ttlMs : Number.POSITIVE_INFINITY;
}
