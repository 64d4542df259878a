import type { SecretConfig } from '../config/index.js';
import { SecretDataError } from '../errors.js';
import type { Lease } from '../lease/lease.js';
import type { VaultClient } from '../vault/client.js';
import { kv1Source } from './kv1.js';
import { kv2Source } from './kv2.js';
import { leasedSource } from './leased.js';
import { pkiSource } from './pki.js';
import { staticCredsSource } from './static-creds.js';

/** One kind of secret: knows how to read it from Vault and what its lease means. */
export interface SecretSource {
  readonly name: string;
  /** Bounded label for metrics: kv2, leased, … */
  readonly engine: string;
  /** Identifies the Vault read (engine, path, parameters): a saved lease is adopted only for the same read. */
  readonly key: string;
  /** How often to re-read when Vault gives no lease to renew. */
  readonly refreshIntervalMs: number;
  /** For data with a validity (certificates): where in it to replace it, instead of 60–70%. */
  readonly rotateWindow?: { readonly from: number; readonly to: number };
  read(vault: VaultClient, token: string, signal: AbortSignal): Promise<Lease>;
}

/**
 * An answer the agent refuses, carrying the lease Vault created with it (if any), so that the
 * lease is given back rather than left alive with nobody using it.
 */
export function unusableAnswer(message: string, response: { lease_id?: unknown }): SecretDataError {
  const leaseId = typeof response.lease_id === 'string' && response.lease_id !== '' ? response.lease_id : undefined;
  return new SecretDataError(message, { leaseId });
}

/** KV has no lease; re-read leased paths that answer without one (static reads) on this interval. */
export const DEFAULT_REFRESH_MS = 5 * 60_000;

/** Jitter around a certificate's rotate_fraction, so pods issued together do not renew together. */
const ROTATE_SPREAD = 0.05;

export function createSource(config: SecretConfig, now: () => number = Date.now): SecretSource {
  switch (config.kind) {
    case 'kv2':
      return kv2Source(config, now);
    case 'kv1':
      return kv1Source(config, now);
    case 'leased':
      return leasedSource(config, now);
    case 'read': {
      const plain = leasedSource({ name: config.name, path: config.path, method: 'GET' }, now);
      return {
        ...plain,
        engine: 'read',
        key: JSON.stringify(['read', config.path]),
        refreshIntervalMs: config.refreshIntervalMs,
        // Without a lease, lease_duration is only a hint (32 days for KV v1): refresh_interval wins.
        read: async (...args) => {
          const lease = await plain.read(...args);
          return lease.id ? lease : { ...lease, ttlMs: 0 };
        },
      };
    }
    case 'pki': {
      const { rotateFraction: at } = config;
      return { ...pkiSource(config, now), rotateWindow: { from: Math.max(0.05, at - ROTATE_SPREAD), to: Math.min(0.95, at + ROTATE_SPREAD) } };
    }
    case 'static':
      return staticCredsSource(config, now);
  }
}
