import type { Registry } from 'prom-client';
import { KeyedCounter } from './keyed-counter.js';
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

/**
 * Counters of what happened to each configured secret: Vault reads, lease renewals, rotations,
 * file writes. Kept compactly per secret (keyed-counter.ts): nine series for each of ten
 * thousand secrets.
 */
export function createSecretEventMetrics(registry: Registry): SecretEventMetrics {
  const results = { result: RESULTS };
  const renewals = new KeyedCounter(registry, {
    name: 'vaultlet_secret_renewals_total',
    help: 'Lease renewals per secret by result.',
    key: 'secret',
    labels: results,
  });
  const reads = new KeyedCounter(registry, {
    name: 'vaultlet_secret_reads_total',
    help: 'Reads of the secret from Vault (first read, periodic re-read, replacement) by result; a re-read that finds the same version is a success.',
    key: 'secret',
    labels: results,
  });
  const rotations = new KeyedCounter(registry, {
    name: 'vaultlet_secret_rotations_total',
    help: 'Replacements of a secret by result: success when a new credential or version replaced the one on disk, failure when fetching a replacement for an ending lease, certificate or password, or writing a new version, failed.',
    key: 'secret',
    labels: results,
  });
  const writes = new KeyedCounter(registry, {
    name: 'vaultlet_secret_writes_total',
    help: 'Writes of the secret\'s files by result: changed (new bytes on disk), unchanged (the bytes were already there), failure.',
    key: 'secret',
    labels: { result: WRITE_RESULTS },
  });

  return {
    declare(secret) {
      renewals.declare(secret);
      reads.declare(secret);
      rotations.declare(secret);
      writes.declare(secret);
    },
    renewed(secret, result) {
      renewals.inc(secret, { result });
    },
    read(secret, result) {
      reads.inc(secret, { result });
    },
    rotated(secret, result) {
      rotations.inc(secret, { result });
    },
    written(secret, result, changed) {
      writes.inc(secret, { result: result === 'failure' ? 'failure' : changed ? 'changed' : 'unchanged' });
    },
  };
}
