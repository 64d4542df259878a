import { Counter, Gauge, type Registry } from 'prom-client';
import type { Result, TokenSnapshot } from './recorder.js';
import { RESULTS, secondsUntil } from './labels.js';

export interface AuthMetrics {
  loginAttempted(method: string, result: Result): void;
  tokenRenewed(result: Result): void;
}

/** Logins, token renewals and the token's remaining lifetime. */
export function createAuthMetrics(
  registry: Registry,
  token: () => TokenSnapshot | undefined,
  now: () => number,
): AuthMetrics {
  const logins = new Counter({
    name: 'vaultlet_logins_total',
    help: 'Vault login attempts by auth method and result.',
    labelNames: ['method', 'result'] as const,
    registers: [registry],
  });
  const renewals = new Counter({
    name: 'vaultlet_token_renewals_total',
    help: 'Vault token self-renewals by result.',
    labelNames: ['result'] as const,
    registers: [registry],
  });
  for (const result of RESULTS) renewals.inc({ result }, 0);

  new Gauge({
    name: 'vaultlet_token_expiry_seconds',
    help: 'Seconds until the Vault token expires; 0 once it has ended (until a new login), +Inf for a non-expiring token, absent before login.',
    registers: [registry],
    collect() {
      const snapshot = token();
      this.reset();
      if (snapshot === undefined) {
        this.remove({});
        return;
      }
      const seconds = snapshot.expiresAt === Infinity ? Infinity : secondsUntil(snapshot.expiresAt, now());
      this.set(seconds);
    },
  });

  // Timestamps and the granted TTL give alerts the fraction of the token's life left; a
  // non-expiring token has none of them (a +Inf timestamp would only poison arithmetic).
  const tokenGauge = (name: string, help: string, value: (snapshot: TokenSnapshot) => number | undefined) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.reset();
        const snapshot = token();
        const v = snapshot && Number.isFinite(snapshot.expiresAt) ? value(snapshot) : undefined;
        if (v === undefined || !Number.isFinite(v)) this.remove({});
        else this.set(v);
      },
    });
  const seconds = (ms: number | undefined) => (ms === undefined ? undefined : ms / 1000);
  tokenGauge('vaultlet_token_expiry_timestamp_seconds', 'Unix time the Vault token expires (after it ended or was dropped: when it did, until a new login); absent before login and for a non-expiring token.', (s) => s.expiresAt / 1000);
  tokenGauge('vaultlet_token_ttl_seconds', 'The TTL granted to the Vault token at its last login or renewal; absent before login and for a non-expiring token.', (s) => seconds(s.ttlMs));
  tokenGauge(
    'vaultlet_token_next_renewal_timestamp_seconds',
    'Unix time the agent planned, at its last login or renewal, to renew the token (or log in again); retries after a failure do not move it.',
    (s) => seconds(s.nextRenewalAt),
  );

  return {
    loginAttempted(method, result) {
      // The method only becomes known here; zero the other result so rate() sees both series.
      for (const r of RESULTS) logins.inc({ method, result: r }, 0);
      logins.inc({ method, result });
    },
    tokenRenewed(result) {
      renewals.inc({ result });
    },
  };
}
