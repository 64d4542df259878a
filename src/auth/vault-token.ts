/** The agent's own Vault token and the timing facts the schedule needs. Never logged. */
export interface VaultToken {
  readonly token: string;
  readonly accessor?: string;
  /** TTL granted at `obtainedAt`; 0 means the token never expires. */
  readonly ttlMs: number;
  readonly renewable: boolean;
  readonly obtainedAt: number;
  /** The TTL asked for on renewal; a shorter answer means the max TTL was reached. */
  readonly requestedTtlMs: number;
  readonly capped: boolean;
  /** true when vaultlet created the token by logging in, so it may revoke it at shutdown. */
  readonly owned: boolean;
}

export function tokenExpiresAt(token: VaultToken): number {
  return token.ttlMs > 0 ? token.obtainedAt + token.ttlMs : Number.POSITIVE_INFINITY;
}
