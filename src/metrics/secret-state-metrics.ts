import type { Registry } from 'prom-client';
import type { SecretSnapshot } from './recorder.js';
import { secondsUntil } from './labels.js';
import { registerSnapshotGauge } from './snapshot-gauge.js';

/**
 * Gauges computed from the live secret list at every scrape, so "seconds until expiry" is never
 * stale and secrets removed from the configuration disappear instead of freezing at a last value.
 */
export function createSecretStateMetrics(
  registry: Registry,
  secrets: () => Iterable<SecretSnapshot>,
  now: () => number,
): void {
  registerSnapshotGauge(registry, {
    name: 'vaultlet_secret_expiry_seconds',
    help: "Seconds until the secret's current lease expires (0 once expired); absent for unleased secrets.",
    labelNames: ['secret', 'engine'],
    *series() {
      const at = now();
      for (const secret of secrets()) {
        // Unleased secrets (kv v2) never expire. A +Inf series would claim a lease that does not
        // exist and poison min()/avg() across secrets, so the series is left out: "expiry < 300"
        // alerts then simply never match it, which is the right answer.
        if (!Number.isFinite(secret.expiresAt)) continue;
        yield [{ secret: secret.name, engine: secret.engine }, secondsUntil(secret.expiresAt, at)];
      }
    },
  });

  registerSnapshotGauge(registry, {
    name: 'vaultlet_secret_last_write_timestamp_seconds',
    help: "Unix time of the secret's last successful file write; absent before the first one.",
    labelNames: ['secret'],
    *series() {
      for (const secret of secrets()) {
        if (secret.lastWriteAt === undefined) continue;
        yield [{ secret: secret.name }, secret.lastWriteAt / 1000];
      }
    },
  });
}
