import { Counter, Histogram, type Registry } from 'prom-client';
import type { VaultOperation } from './recorder.js';
import { statusLabel } from './labels.js';

/**
 * Vault sits next to the pod or in-cluster, so most answers take a few ms; the top buckets catch
 * retries against a sealed or overloaded server up to a typical 10 s client timeout.
 */
export const VAULT_REQUEST_BUCKETS: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export interface VaultRequestMetrics {
  vaultRequest(operation: VaultOperation, status: number, seconds: number): void;
}

export function createVaultRequestMetrics(registry: Registry): VaultRequestMetrics {
  const requests = new Counter({
    name: 'vaultlet_vault_requests_total',
    help: 'Requests to Vault by operation and HTTP status ("error" when no answer came).',
    labelNames: ['operation', 'status'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'vaultlet_vault_request_duration_seconds',
    help: 'Time from sending a request to Vault until its answer or failure, by operation.',
    labelNames: ['operation'] as const,
    buckets: [...VAULT_REQUEST_BUCKETS],
    registers: [registry],
  });

  return {
    vaultRequest(operation, status, seconds) {
      requests.inc({ operation, status: statusLabel(status) });
      duration.observe({ operation }, Math.max(0, seconds));
    },
  };
}
