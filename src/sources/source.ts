import type { SecretConfig } from '../config/index.js';
import type { Lease } from '../lease/lease.js';
import type { VaultClient } from '../vault/client.js';
import { kv2Source } from './kv2.js';
import { leasedSource } from './leased.js';

/** One kind of secret: knows how to read it from Vault and what its lease means. */
export interface SecretSource {
  readonly name: string;
  /** Bounded label for metrics: kv2, leased, … */
  readonly engine: string;
  /** Identifies the Vault read (engine, path, parameters): a saved lease is adopted only for the same read. */
  readonly key: string;
  /** How often to re-read when Vault gives no lease to renew. */
  readonly refreshIntervalMs: number;
  read(vault: VaultClient, token: string, signal: AbortSignal): Promise<Lease>;
}

/** KV has no lease; re-read leased paths that answer without one (static reads) on this interval. */
export const DEFAULT_REFRESH_MS = 5 * 60_000;

export function createSource(config: SecretConfig, now: () => number = Date.now): SecretSource {
  switch (config.kind) {
    case 'kv2':
      return kv2Source(config, now);
    case 'leased':
      return leasedSource(config, now);
  }
}
