import { newUuid } from './ids.js';
import { SYSTEM_MAX_TTL } from './ttl.js';

export interface SecretIdEntry {
  readonly accessor: string;
  /** Logins left; 0 means unlimited. */
  numUses: number;
  /** The TTL asked for (0 = never expires), as lookup reports it. */
  readonly ttl: number;
  readonly creationTime: number;
  lastUpdatedTime: number;
  /** Epoch ms; null when the secret ID never expires. */
  readonly expirationTime: number | null;
  readonly metadata: Record<string, string>;
  readonly cidrList: string[];
  readonly tokenBoundCidrs: string[];
}

export interface SecretIdSpec {
  numUses: number;
  ttl: number;
  metadata: Record<string, string>;
  cidrList: string[];
  tokenBoundCidrs: string[];
}

/** Vault's deriveSecretIDTTL: a TTL beyond the mount's max lease TTL is cut to it. */
export const effectiveSecretIdTtl = (ttl: number): number => (ttl > SYSTEM_MAX_TTL ? SYSTEM_MAX_TTL : ttl);

/**
 * The secret IDs issued per role. An expired one is gone at once (Vault's tidy removes it within
 * a minute), and one whose last use was just spent is deleted, as Vault does at login.
 */
export class SecretIdStore {
  private readonly byRole = new Map<string, Map<string, SecretIdEntry>>();

  constructor(private readonly now: () => number) {}

  /** Undefined when the secret ID is already registered for the role. */
  issue(role: string, secretId: string, spec: SecretIdSpec): SecretIdEntry | undefined {
    const ids = this.idsOf(role);
    if (ids.has(secretId)) return undefined;
    const now = this.now();
    const ttl = effectiveSecretIdTtl(spec.ttl);
    const entry: SecretIdEntry = {
      accessor: newUuid(), numUses: spec.numUses, ttl: spec.ttl, creationTime: now, lastUpdatedTime: now,
      expirationTime: ttl > 0 ? now + ttl * 1000 : null, metadata: spec.metadata, cidrList: spec.cidrList,
      tokenBoundCidrs: spec.tokenBoundCidrs,
    };
    ids.set(secretId, entry);
    return entry;
  }

  find(role: string, secretId: string): SecretIdEntry | undefined {
    this.dropExpired(role);
    return this.byRole.get(role)?.get(secretId);
  }

  findByAccessor(role: string, accessor: string): [string, SecretIdEntry] | undefined {
    this.dropExpired(role);
    return [...(this.byRole.get(role) ?? [])].find(([, entry]) => entry.accessor === accessor);
  }

  /** One login with the secret ID: counts a use, deleting the entry with its last one. */
  use(role: string, secretId: string): SecretIdEntry | undefined {
    const entry = this.find(role, secretId);
    if (!entry) return undefined;
    if (entry.numUses === 1) this.destroy(role, secretId);
    else if (entry.numUses > 1) {
      entry.numUses -= 1;
      entry.lastUpdatedTime = this.now();
    }
    return entry;
  }

  destroy(role: string, secretId: string): void {
    this.byRole.get(role)?.delete(secretId);
  }

  list(role: string): SecretIdEntry[] {
    this.dropExpired(role);
    return [...(this.byRole.get(role)?.values() ?? [])];
  }

  /** A deleted role takes its secret IDs with it. */
  flush(role: string): void {
    this.byRole.delete(role);
  }

  private idsOf(role: string): Map<string, SecretIdEntry> {
    let ids = this.byRole.get(role);
    if (!ids) {
      ids = new Map();
      this.byRole.set(role, ids);
    }
    return ids;
  }

  private dropExpired(role: string): void {
    const ids = this.byRole.get(role);
    if (!ids) return;
    const now = this.now();
    for (const [id, entry] of ids) if (entry.expirationTime !== null && entry.expirationTime <= now) ids.delete(id);
  }
}

const iso = (ms: number) => new Date(ms).toISOString();

/** The `data` of secret-id/lookup and secret-id-accessor/lookup. */
export function secretIdData(entry: SecretIdEntry): Record<string, unknown> {
  return {
    secret_id_accessor: entry.accessor,
    secret_id_num_uses: entry.numUses,
    secret_id_ttl: entry.ttl,
    creation_time: iso(entry.creationTime),
    // Go's zero time.Time, which Vault reports for a secret ID that never expires.
    expiration_time: entry.expirationTime === null ? '0001-01-01T00:00:00Z' : iso(entry.expirationTime),
    last_updated_time: iso(entry.lastUpdatedTime),
    metadata: entry.metadata,
    cidr_list: entry.cidrList,
    token_bound_cidrs: entry.tokenBoundCidrs,
  };
}
