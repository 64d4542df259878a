import { Gauge, type Registry } from 'prom-client';
import type { SecretSnapshot } from './recorder.js';

/**
 * Did the app read it? Computed at scrape time from the access tracker (atime under relatime:
 * the first read of each written version). Absent for secrets whose mount does not update atime,
 * where "unread" could not be told from "unknown".
 */
export function createSecretAccessMetrics(registry: Registry, secrets: () => Iterable<SecretSnapshot>, now: () => number): void {
  const tracked = function* () {
    for (const secret of secrets()) {
      if (secret.accessTracked && secret.versionWrittenAt !== undefined) yield secret as SecretSnapshot & { versionWrittenAt: number };
    }
  };

  new Gauge({
    name: 'vaultlet_secret_app_read',
    help: 'Whether the app has read the current version of the secret file since it was written (1) or not yet (0).',
    labelNames: ['secret'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const secret of tracked()) this.set({ secret: secret.name }, secret.appReadAt === undefined ? 0 : 1);
    },
  });

  new Gauge({
    name: 'vaultlet_secret_app_read_delay_seconds',
    help: 'Seconds from writing the current version of the secret file to the app first reading it; absent while unread.',
    labelNames: ['secret'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const secret of tracked()) {
        if (secret.appReadAt !== undefined) this.set({ secret: secret.name }, Math.max(0, (secret.appReadAt - secret.versionWrittenAt) / 1000));
      }
    },
  });

  new Gauge({
    name: 'vaultlet_secret_unread_seconds',
    help: 'Seconds the current version of the secret file has been waiting for the app to read it; 0 once read. After a rotation, how long the app has kept using the old credential at most.',
    labelNames: ['secret'] as const,
    registers: [registry],
    collect() {
      this.reset();
      const at = now();
      for (const secret of tracked()) {
        this.set({ secret: secret.name }, secret.appReadAt === undefined ? Math.max(0, (at - secret.versionWrittenAt) / 1000) : 0);
      }
    },
  });
}
