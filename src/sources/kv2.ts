import { SecretDataError } from '../errors.js';
import type { Lease } from '../lease/lease.js';
import type { SecretSource } from './source.js';

interface Kv2Data {
  data: Record<string, unknown> | null;
  metadata: { version: number; deletion_time?: string; destroyed?: boolean };
}

/** KV version 2: GET <mount>/data/<path>[?version=N]; no lease, re-read on an interval. */
export function kv2Source(
  config: { name: string; mount: string; path: string; version?: number; refreshIntervalMs: number },
  now: () => number,
): SecretSource {
  const path = `${config.mount}/data/${config.path}${config.version ? `?version=${config.version}` : ''}`;
  return {
    name: config.name,
    engine: 'kv2',
    key: JSON.stringify(['kv2', path]),
    refreshIntervalMs: config.refreshIntervalMs,
    async read(vault, token, signal): Promise<Lease> {
      const response = await vault.request<Kv2Data>('secret_read', { method: 'GET', path, token, signal });
      const obtainedAt = now();
      const body = response.data;
      if (!body || typeof body.data !== 'object' || body.data === null) {
        throw new SecretDataError(`secret "${config.name}": ${config.mount}/data/${config.path} has no data (deleted or destroyed version?)`);
      }
      return { id: '', ttlMs: 0, renewable: false, obtainedAt, version: body.metadata?.version, data: body.data };
    },
  };
}
