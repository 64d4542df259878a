import { Counter, type Registry } from 'prom-client';
import type { Result } from './recorder.js';
import { RESULTS } from './labels.js';

export interface SecretEventMetrics {
  /** Creates every series of this secret at 0 so rate() and increase() work from the first scrape. */
  declare(secret: string): void;
  renewed(secret: string, result: Result): void;
  read(secret: string, result: Result): void;
  rotated(secret: string, result: Result): void;
  written(secret: string, result: Result, changed: boolean): void;
}

/** The `result` of a file write: a failed write changes nothing, so there are three outcomes, not four. */
export const WRITE_RESULTS = ['changed', 'unchanged', 'failure'] as const;

/** Counters of what happened to each configured secret: Vault reads, lease renewals, rotations, file writes. */
export function createSecretEventMetrics(registry: Registry): SecretEventMetrics {
  const renewals = new Counter({
    name: 'vaultlet_secret_renewals_total',
    help: 'Lease renewals per secret by result.',
    labelNames: ['secret', 'result'] as const,
    registers: [registry],
  });
  const reads = new Counter({
    name: 'vaultlet_secret_reads_total',
    help: 'Reads of the secret from Vault (first read, periodic re-read, replacement) by result; a re-read that finds the same version is a success.',
    labelNames: ['secret', 'result'] as const,
    registers: [registry],
  });
  const rotations = new Counter({
    name: 'vaultlet_secret_rotations_total',
    help: 'Replacements of a secret by result: success when a new credential or version replaced the one on disk, failure when fetching a replacement for an ending lease, certificate or password, or writing a new version, failed.',
    labelNames: ['secret', 'result'] as const,
    registers: [registry],
  });
  const writes = new Counter({
    name: 'vaultlet_secret_writes_total',
    help: 'Writes of the secret\'s files by result: changed (new bytes on disk), unchanged (the bytes were already there), failure.',
    labelNames: ['secret', 'result'] as const,
    registers: [registry],
  });

  return {
    declare(secret) {
      for (const result of RESULTS) {
        renewals.inc({ secret, result }, 0);
        reads.inc({ secret, result }, 0);
        rotations.inc({ secret, result }, 0);
      }
      for (const result of WRITE_RESULTS) writes.inc({ secret, result }, 0);
    },
    renewed(secret, result) {
      renewals.inc({ secret, result });
    },
    read(secret, result) {
      reads.inc({ secret, result });
    },
    rotated(secret, result) {
      rotations.inc({ secret, result });
    },
    written(secret, result, changed) {
      writes.inc({ secret, result: result === 'failure' ? 'failure' : changed ? 'changed' : 'unchanged' });
    },
  };
}
