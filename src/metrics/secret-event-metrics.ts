import { Counter, type Registry } from 'prom-client';
import type { Result } from './recorder.js';
import { RESULTS, booleanLabel } from './labels.js';

export interface SecretEventMetrics {
  /** Creates every series of this secret at 0 so rate() and increase() work from the first scrape. */
  declare(secret: string): void;
  renewed(secret: string, result: Result): void;
  rotated(secret: string, result: Result): void;
  written(secret: string, result: Result, changed: boolean): void;
}

/** Counters of what happened to each configured secret: lease renewals, rotations, file writes. */
export function createSecretEventMetrics(registry: Registry): SecretEventMetrics {
  const renewals = new Counter({
    name: 'vaultlet_secret_renewals_total',
    help: 'Lease renewals per secret by result.',
    labelNames: ['secret', 'result'] as const,
    registers: [registry],
  });
  const rotations = new Counter({
    name: 'vaultlet_secret_rotations_total',
    help: 'Fetches of a new credential or version to replace the current one, per secret by result.',
    labelNames: ['secret', 'result'] as const,
    registers: [registry],
  });
  const writes = new Counter({
    name: 'vaultlet_secret_writes_total',
    help: 'File write attempts per secret by result; changed="false" when the bytes were already on disk.',
    labelNames: ['secret', 'result', 'changed'] as const,
    registers: [registry],
  });

  return {
    declare(secret) {
      for (const result of RESULTS) {
        renewals.inc({ secret, result }, 0);
        rotations.inc({ secret, result }, 0);
        for (const changed of [true, false]) writes.inc({ secret, result, changed: booleanLabel(changed) }, 0);
      }
    },
    renewed(secret, result) {
      renewals.inc({ secret, result });
    },
    rotated(secret, result) {
      rotations.inc({ secret, result });
    },
    written(secret, result, changed) {
      writes.inc({ secret, result, changed: booleanLabel(changed) });
    },
  };
}
