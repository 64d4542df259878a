import { SecretDataError } from '../errors.js';
import type { Lease } from '../lease/lease.js';
import { DEFAULT_REFRESH_MS, type SecretSource } from './source.js';

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
      if (!response.data || typeof response.data !== 'object') {
        throw new SecretDataError(`secret "${config.name}": ${config.path} answered without data`);
      }
      return {
        id: response.lease_id ?? '',
        ttlMs: Math.max(0, response.lease_duration ?? 0) * 1000,
        renewable: Boolean(response.renewable && response.lease_id),
        obtainedAt,
        data: response.data,
      };
    },
  };
}
