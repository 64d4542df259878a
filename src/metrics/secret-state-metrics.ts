import type { Registry } from 'prom-client';
import type { SecretSnapshot } from './recorder.js';
import { secondsUntil } from './labels.js';
import { registerSnapshotGauge } from './snapshot-gauge.js';

type Labels = 'secret' | 'engine';

/**
 * A gauge with one series per secret, computed from the live secret list at every scrape (and
 * kept no longer: snapshot-gauge.ts), so time-based values are never stale and secrets removed
 * from the configuration disappear instead of freezing at a last value. `value` returns
 * undefined to leave a secret out.
 */
function perSecretGauge(
  registry: Registry,
  name: string,
  help: string,
  labelNames: readonly Labels[],
  secrets: () => Iterable<SecretSnapshot>,
  value: (secret: SecretSnapshot) => number | undefined,
): void {
  const withEngine = labelNames.includes('engine');
  registerSnapshotGauge(registry, {
    name,
    help,
    labelNames,
    *series() {
      for (const secret of secrets()) {
        const v = value(secret);
        if (v === undefined) continue;
        yield [(withEngine ? { secret: secret.name, engine: secret.engine } : { secret: secret.name }) as Record<Labels, string>, v] as const;
      }
    },
  });
}

const seconds = (ms: number | undefined): number | undefined => (ms === undefined ? undefined : ms / 1000);

/**
 * What an alert needs to reason about a secret in fractions of its own schedule rather than in
 * fixed minutes: when its lease ends, how long it was granted, when the agent meant to act next,
 * and when it last heard from Vault about it. Unleased secrets (kv v2) never expire: a +Inf
 * series would claim a lease that does not exist and poison min()/avg() across secrets, so
 * they are left out of the lease gauges, where "expires soon" simply never matches them.
 */
export function createSecretStateMetrics(
  registry: Registry,
  secrets: () => Iterable<SecretSnapshot>,
  now: () => number,
): void {
  const leased = (secret: SecretSnapshot): boolean => Number.isFinite(secret.expiresAt);
  // A secret not written yet has no lease to time (its expiry_seconds reads 0, "not usable");
  // a 0 timestamp would read as a lease that ended in 1970 and page as expiring.
  const timed = (secret: SecretSnapshot): secret is SecretSnapshot & { ttlMs: number } => leased(secret) && secret.ttlMs !== undefined;
  const gauge = (name: string, help: string, labels: readonly Labels[], value: (secret: SecretSnapshot) => number | undefined) =>
    perSecretGauge(registry, name, help, labels, secrets, value);

  gauge('vaultlet_secret_expiry_seconds', "Seconds until the secret's current lease expires (0 once expired); absent for unleased secrets.", ['secret', 'engine'], (secret) =>
    leased(secret) ? secondsUntil(secret.expiresAt, now()) : undefined);
  gauge('vaultlet_secret_expiry_timestamp_seconds', "Unix time the secret's current lease, certificate or password stops working (the agent token's end when that comes first); absent for unleased secrets.", ['secret', 'engine'], (secret) =>
    timed(secret) ? secret.expiresAt / 1000 : undefined);
  gauge('vaultlet_secret_lease_ttl_seconds', 'The lifetime granted at the last issue or renewal (a certificate: from issue to NotAfter); with the expiry timestamp it gives the fraction of the lease left. Absent for unleased secrets.', ['secret', 'engine'], (secret) =>
    timed(secret) ? secret.ttlMs / 1000 : undefined);
  gauge('vaultlet_secret_next_refresh_timestamp_seconds', 'Unix time the agent planned, at its last success, to renew, replace or re-read the secret next. Retries after a failure do not move it, so a time past it means the secret is overdue.', ['secret', 'engine'], (secret) =>
    secret.nextRefreshAt !== undefined && Number.isFinite(secret.nextRefreshAt) ? secret.nextRefreshAt / 1000 : undefined);
  gauge('vaultlet_secret_last_success_timestamp_seconds', 'Unix time of the last successful read or renewal of the secret from Vault, whether or not it brought a new version; absent before the first.', ['secret'], (secret) =>
    seconds(secret.lastSuccessAt));
  gauge('vaultlet_secret_consecutive_failures', 'Reads and renewals of the secret from Vault that failed since the last success; 0 while healthy.', ['secret'], (secret) =>
    secret.consecutiveFailures ?? 0);
  gauge('vaultlet_secret_last_write_timestamp_seconds', "Unix time of the secret's last successful file write; absent before the first one.", ['secret'], (secret) =>
    seconds(secret.lastWriteAt));
}
