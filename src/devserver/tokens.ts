import { newAccessor, newTokenId, newUuid } from './ids.js';
import { calculateTtl } from './ttl.js';

export interface TokenEntry {
  readonly id: string;
  readonly accessor: string;
  readonly policies: string[];
  readonly displayName: string;
  readonly meta: Record<string, string> | null;
  /** The login or create path, as Vault reports it in lookup. */
  readonly path: string;
  readonly issueTime: number;
  lastRenewal: number | null;
  /** Epoch ms; null for tokens that never expire (root). */
  expireAt: number | null;
  readonly creationTtl: number;
  /** What a renewal without increment extends to (role token_ttl or the requested ttl). */
  readonly defaultTtl: number;
  readonly maxTtl: number;
  readonly explicitMaxTtl: number;
  readonly period: number;
  readonly renewable: boolean;
  readonly parentId: string | undefined;
  readonly entityId: string;
  readonly isRoot: boolean;
}

export interface TokenSpec {
  policies: string[];
  displayName: string;
  meta?: Record<string, string> | null;
  path: string;
  ttl: number;
  maxTtl: number;
  explicitMaxTtl?: number;
  period?: number;
  renewable?: boolean;
  parentId?: string;
  entityId?: string;
  noDefaultPolicy?: boolean;
  /** A caller-chosen token id (root only in Vault). */
  id?: string;
}

/** Tokens with Vault's lifecycle: TTL, max TTL, periodic renewal and parent/child revocation. */
export class TokenStore {
  private readonly tokens = new Map<string, TokenEntry>();

  constructor(
    private readonly now: () => number,
    /** Called once per revoked or expired token so its leases go with it. */
    private readonly onRevoked: (token: TokenEntry) => void,
  ) {}

  addRoot(id: string): TokenEntry {
    const entry: TokenEntry = {
      id, accessor: newAccessor(), policies: ['root'], displayName: 'root', meta: null,
      path: 'auth/token/root', issueTime: this.now(), lastRenewal: null, expireAt: null,
      creationTtl: 0, defaultTtl: 0, maxTtl: 0, explicitMaxTtl: 0, period: 0, renewable: false,
      parentId: undefined, entityId: '', isRoot: true,
    };
    this.tokens.set(id, entry);
    return entry;
  }

  create(spec: TokenSpec): { token: TokenEntry; warnings: string[] } {
    const now = this.now();
    const { ttl, warnings } = calculateTtl({
      increment: spec.ttl, defaultTtl: 0, period: spec.period ?? 0, maxTtl: spec.maxTtl,
      explicitMaxTtl: spec.explicitMaxTtl ?? 0, issueTime: now, now,
    });
    const policies = new Set(spec.policies.filter((p) => p !== ''));
    if (!spec.noDefaultPolicy && !policies.has('root')) policies.add('default');
    // Like Vault, a root-policy token created without a TTL never expires.
    const forever = policies.has('root') && !spec.ttl && !spec.period && !spec.explicitMaxTtl;
    const token: TokenEntry = {
      id: spec.id ?? newTokenId(), accessor: newAccessor(), policies: [...policies].sort(),
      displayName: spec.displayName, meta: spec.meta ?? null, path: spec.path, issueTime: now, lastRenewal: null,
      expireAt: forever ? null : now + ttl * 1000, creationTtl: forever ? 0 : ttl, defaultTtl: spec.ttl, maxTtl: spec.maxTtl, explicitMaxTtl: spec.explicitMaxTtl ?? 0,
      period: spec.period ?? 0, renewable: spec.renewable ?? true, parentId: spec.parentId,
      entityId: spec.entityId ?? newUuid(), isRoot: false,
      ...(forever ? { renewable: false } : {}),
    };
    this.tokens.set(token.id, token);
    return { token, warnings };
  }

  /** A live token, or undefined when unknown, revoked or expired (expiry revokes it now). */
  get(id: string | undefined): TokenEntry | undefined {
    if (!id) return undefined;
    const token = this.tokens.get(id);
    if (!token) return undefined;
    if (token.expireAt !== null && token.expireAt <= this.now()) {
      this.revoke(id);
      return undefined;
    }
    return token;
  }

  ttlSeconds(token: TokenEntry): number {
    return token.expireAt === null ? 0 : Math.max(0, Math.floor((token.expireAt - this.now()) / 1000));
  }

  /** Throws a plain Error with Vault's message when the token cannot be renewed. */
  /** Throws PastMaxTtlError with under a second left before the max TTL, as Vault does. */
  renew(token: TokenEntry, increment: number): { ttl: number; warnings: string[] } {
    if (!token.renewable || token.expireAt === null) throw new Error('lease is not renewable');
    const now = this.now();
    const result = calculateTtl({
      increment, defaultTtl: token.defaultTtl, period: token.period, maxTtl: token.maxTtl,
      explicitMaxTtl: token.explicitMaxTtl, issueTime: token.issueTime, now,
    });
    // Vault refuses, with a 500, to renew a token with under a second left before its max TTL.
    if (result.ttl <= 0) throw new PastMaxTtlError();
    token.expireAt = now + result.ttl * 1000;
    token.lastRenewal = now;
    return result;
  }

  /** Revokes the token and, as Vault does, every non-orphan child token below it. */
  revoke(id: string): void {
    const token = this.tokens.get(id);
    if (!token) return;
    this.tokens.delete(id);
    for (const child of [...this.tokens.values()]) {
      if (child.parentId === id) this.revoke(child.id);
    }
    this.onRevoked(token);
  }

  sweep(): void {
    for (const id of [...this.tokens.keys()]) this.get(id);
  }

  byAccessor(accessor: string): TokenEntry | undefined {
    const token = [...this.tokens.values()].find((t) => t.accessor === accessor);
    return token && this.get(token.id);
  }

  /**
   * Vault keeps a lease per expiring token, with id "<login path>/<hash>", so revoke-prefix on
   * `auth/<mount>/` revokes the tokens that mount issued. Tokens that never expire have none.
   */
  revokeByLeasePrefix(prefix: string): void {
    this.sweep();
    for (const token of [...this.tokens.values()]) {
      if (token.expireAt !== null && `${token.path}/`.startsWith(prefix)) this.revoke(token.id);
    }
  }

  /** Every live token's accessor (root included), as LIST auth/token/accessors. */
  accessors(): string[] {
    this.sweep();
    return [...this.tokens.values()].map((t) => t.accessor);
  }

  liveCount(): number {
    this.sweep();
    return [...this.tokens.values()].filter((t) => !t.isRoot).length;
  }
}

/** Vault's answer to renewing a token with under a second left before its max TTL (HTTP 500). */
export class PastMaxTtlError extends Error {
  constructor() {
    super('past the max TTL, cannot renew');
  }
}
