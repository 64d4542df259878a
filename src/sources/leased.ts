import type { Lease } from '../lease/lease.js';
import { DEFAULT_REFRESH_MS, unusableAnswer, type SecretSource } from './source.js';

/**
 * Any path that answers with a lease: database/creds/<role>, aws/creds/<role>, … The response's
 * lease_id, lease_duration and renewable drive renewal; a path that answers without a lease is
 * re-read on its lease_duration (Vault's refresh hint) or every 5 minutes.
 */
export function leasedSource(
  config: { name: string; path: string; method: 'GET' | 'POST'; params?: Record<string, unknown> },
  now: () => number,
): SecretSource {
  return {
    name: config.name,
    engine: 'leased',
    key: JSON.stringify(['leased', config.method, config.path, config.params ?? {}]),
    refreshIntervalMs: DEFAULT_REFRESH_MS,
    async read(vault, token, signal): Promise<Lease> {
      const response = await vault.request('secret_read', {
        method: config.method,
        path: config.path,
        token,
        signal,
        ...(config.method === 'POST' ? { body: config.params ?? {} } : {}),
      });
      const obtainedAt = now();
      const refuse = (what: string) => unusableAnswer(`secret "${config.name}": ${config.path} answered ${what}`, response);
      if (!response.data || typeof response.data !== 'object' || Array.isArray(response.data)) throw refuse('without data');
      const { lease_id: id = '', lease_duration: seconds = 0, renewable = false } = response as { lease_id?: unknown; lease_duration?: unknown; renewable?: unknown };
      if (typeof id !== 'string') throw refuse('with a lease_id that is not a string');
      if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) throw refuse('with a lease_duration that is not a number of seconds');
      if (typeof renewable !== 'boolean') throw refuse('with a renewable flag that is not true or false');
      return { id, ttlMs: seconds * 1000, renewable: renewable && id !== '', obtainedAt, data: response.data };
    },
  };
}
