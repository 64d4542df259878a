import { SecretDataError } from '../errors.js';
import type { Lease } from '../lease/lease.js';
import type { SecretSource } from './source.js';

/**
 * KV version 1: GET <mount>/<path>. There is no lease: KV v1's lease_duration is only a re-read
 * hint (768 h unless the data has a `ttl` key), so the secret is re-read on the configured interval.
 */
export function kv1Source(
  config: { name: string; mount: string; path: string; refreshIntervalMs: number },
  now: () => number,
): SecretSource {
  const path = `${config.mount}/${config.path}`;
  return {
    name: config.name,
    engine: 'kv1',
    key: JSON.stringify(['kv1', path]),
    refreshIntervalMs: config.refreshIntervalMs,
    async read(vault, token, signal): Promise<Lease> {
      const response = await vault.request('secret_read', { method: 'GET', path, token, signal });
      const obtainedAt = now();
      const data = response.data;
      if (typeof data !== 'object' || data === null || Array.isArray(data)) {
        throw new SecretDataError(`secret "${config.name}": ${path} answered without data`);
      }
      return { id: '', ttlMs: 0, renewable: false, obtainedAt, data };
    },
  };
}
