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
    help: 'Seconds until the Vault token expires; +Inf for a non-expiring token, absent before login.',
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
