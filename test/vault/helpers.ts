import type { VaultConfig } from '../../src/config/index.js';
import type { MetricsRecorder, VaultOperation } from '../../src/metrics/recorder.js';
import { noopRecorder } from '../../src/metrics/recorder.js';
import { VaultClient } from '../../src/vault/client.js';

/** Fast settings for tests: short retry cap so retries take milliseconds. */
export function testVaultConfig(address: string, overrides: Partial<VaultConfig> = {}): VaultConfig {
  return { address, tlsSkipVerify: false, maxRetries: 2, requestTimeoutMs: 5_000, retryCapMs: 100, ...overrides };
}

export interface VaultRequestRecord {
  readonly operation: VaultOperation;
  readonly status: number;
  readonly seconds: number;
}

/** A recorder that keeps every vaultRequest call. */
export function recordingRecorder(): MetricsRecorder & { readonly vaultRequests: VaultRequestRecord[] } {
  const vaultRequests: VaultRequestRecord[] = [];
  return {
    ...noopRecorder,
    vaultRequests,
    vaultRequest(operation, status, seconds) {
      vaultRequests.push({ operation, status, seconds });
    },
  };
}

/** A client against `address`; random fixed at 0 so backoff waits are the floor. */
export function testClient(address: string, overrides: Partial<VaultConfig> = {}, recorder: MetricsRecorder = noopRecorder): VaultClient {
  return new VaultClient({ config: testVaultConfig(address, overrides), recorder, random: () => 0 });
}

/** Polls `condition` every 10 ms; fails with `what` after `timeoutMs`. */
export async function until(condition: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
