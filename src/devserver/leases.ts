import { randomAlphanumeric } from './ids.js';
import { calculateTtl } from './ttl.js';

export interface LeaseEntry {
  readonly id: string;
  readonly issueTime: number;
  lastRenewal: number | null;
  expireAt: number;
  readonly renewable: boolean;
  readonly defaultTtl: number;
  readonly maxTtl: number;
  /** The token that created the lease: revoking or expiring it revokes the lease. */
  readonly tokenId: string;
  readonly revokeSecret: () => Promise<void>;
  /** The engine's part of a renewal (the PostgreSQL plugin moves VALID UNTIL), as Vault calls it. */
  readonly renewSecret?: (expireAt: Date) => Promise<void>;
}

export interface LeaseSpec {
  /** e.g. "database/creds/app": the lease id is this plus "/" and a random suffix. */
  prefix: string;
  ttl: number;
  maxTtl: number;
  renewable: boolean;
  tokenId: string;
  revokeSecret: () => Promise<void>;
  renewSecret?: (expireAt: Date) => Promise<void>;
}

/** Vault's expiration manager in miniature: issue, renew with max-TTL capping, revoke, expire. */
export class LeaseStore {
  private readonly leases = new Map<string, LeaseEntry>();
  private readonly issuedIds: string[] = [];

  constructor(private readonly now: () => number) {}

  create(spec: LeaseSpec): LeaseEntry {
    const now = this.now();
    const { ttl } = calculateTtl({ increment: 0, defaultTtl: spec.ttl, maxTtl: spec.maxTtl, issueTime: now, now });
    const lease: LeaseEntry = {
      id: `${spec.prefix}/${randomAlphanumeric(24)}`, issueTime: now, lastRenewal: null,
      expireAt: now + ttl * 1000, renewable: spec.renewable, defaultTtl: spec.ttl, maxTtl: spec.maxTtl,
      tokenId: spec.tokenId, revokeSecret: spec.revokeSecret, renewSecret: spec.renewSecret,
    };
    this.leases.set(lease.id, lease);
    this.issuedIds.push(lease.id);
    return lease;
  }

  /** A live lease; an expired one is revoked on the spot and reported as missing. */
  get(id: string): LeaseEntry | undefined {
    const lease = this.leases.get(id);
    if (lease && lease.expireAt <= this.now()) {
      this.revoke(id);
      return undefined;
    }
    return lease;
  }

  ttlSeconds(lease: LeaseEntry): number {
    return Math.max(0, Math.floor((lease.expireAt - this.now()) / 1000));
  }

  /** Throws a plain Error carrying Vault's message when the lease is gone or not renewable. */
  renew(id: string, increment: number): { lease: LeaseEntry; ttl: number; warnings: string[] } {
    const lease = this.get(id);
    if (!lease) throw new Error('lease not found');
    if (!lease.renewable) throw new Error('lease is not renewable');
    const now = this.now();
    const { ttl, warnings } = calculateTtl({
      increment, defaultTtl: lease.defaultTtl, maxTtl: lease.maxTtl, issueTime: lease.issueTime, now,
    });
    lease.expireAt = now + ttl * 1000;
    lease.lastRenewal = now;
    return { lease, ttl, warnings };
  }

  revoke(id: string): void {
    const lease = this.leases.get(id);
    if (!lease) return;
    this.leases.delete(id);
    // The dev server keeps going if a backend fails to drop a user; Vault would retry.
    lease.revokeSecret().catch(() => undefined);
  }

  /** Every lease whose id starts with the prefix (Vault's revoke-prefix). */
  revokePrefix(prefix: string): void {
    for (const id of [...this.leases.keys()]) if (id.startsWith(prefix)) this.revoke(id);
  }

  revokeByToken(tokenId: string): void {
    for (const lease of [...this.leases.values()]) if (lease.tokenId === tokenId) this.revoke(lease.id);
  }

  sweep(): void {
    for (const id of [...this.leases.keys()]) this.get(id);
  }

  liveCount(prefix = ''): number {
    return this.liveIds(prefix).length;
  }

  liveIds(prefix = ''): string[] {
    this.sweep();
    return [...this.leases.keys()].filter((id) => id.startsWith(prefix));
  }

  issuedCount(prefix = ''): number {
    return this.issuedIds.filter((id) => id.startsWith(prefix)).length;
  }
}
