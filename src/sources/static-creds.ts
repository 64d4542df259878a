import type { Lease } from '../lease/lease.js';
import { DEFAULT_REFRESH_MS, unusableAnswer, type SecretSource } from './source.js';

interface StaticCredsData {
  username?: unknown;
  password?: unknown;
  /** Seconds until Vault's next rotation of the password. */
  ttl?: unknown;
  rotation_period?: unknown;
  last_vault_rotation?: unknown;
}

/**
 * A database static role: GET <mount>/static-creds/<role>. No lease; the password works until
 * Vault's next rotation (`ttl` seconds from the read), so the secret is valid until then and is
 * re-read just after it. The refresh interval is only a fallback.
 */
export function staticCredsSource(config: { name: string; mount: string; role: string }, now: () => number): SecretSource {
  const path = `${config.mount}/static-creds/${config.role}`;
  return {
    name: config.name,
    engine: 'static',
    key: JSON.stringify(['static', path]),
    refreshIntervalMs: DEFAULT_REFRESH_MS,
    async read(vault, token, signal): Promise<Lease> {
      const response = await vault.request<StaticCredsData>('secret_read', { method: 'GET', path, token, signal });
      const refuse = (what: string) => unusableAnswer(`secret "${config.name}": ${path} answered ${what}`, response);
      const obtainedAt = now();
      const data = response.data;
      if (typeof data !== 'object' || data === null || Array.isArray(data)) throw refuse('without data');
      const { ttl, username, password, ...rest } = data;
      if (typeof ttl !== 'number' || !Number.isFinite(ttl) || ttl < 0) throw refuse('without a numeric ttl');
      if (typeof username !== 'string' || username === '') throw refuse('without a username');
      if (typeof password !== 'string' || password === '') {
        throw refuse('without a password (only credential_type "password" is supported)');
      }
      return {
        id: '',
        ttlMs: 0,
        renewable: false,
        obtainedAt,
        validity: { from: obtainedAt, until: obtainedAt + ttl * 1000, rotate: 'after' },
        // Without ttl, which counts down on every read: the file changes only when the password does.
        data: { username, password, ...rest } as Record<string, unknown>,
      };
    },
  };
}
