import type { Registry } from 'prom-client';
import { KeyedCounter } from './keyed-counter.js';
import type { Result } from './recorder.js';
import { RESULTS, booleanLabel } from './labels.js';

export interface SecretEventMetrics {
  /** Creates every series of this secret at 0 so rate() and increase() work from the first scrape. */
  declare(secret: string): void;
  renewed(secret: string, result: Result): void;
  rotated(secret: string, result: Result): void;
  written(secret: string, result: Result, changed: boolean): void;
}

/**
 * Counters of what happened to each configured secret: lease renewals, rotations, file writes.
 * Kept compactly per secret (keyed-counter.ts): eight series for each of ten thousand secrets.
 */
export function createSecretEventMetrics(registry: Registry): SecretEventMetrics {
  const results = { result: RESULTS };
  const renewals = new KeyedCounter(registry, {
    name: 'vaultlet_secret_renewals_total',
    help: 'Lease renewals per secret by result.',
    key: 'secret',
    labels: results,
  });
  const rotations = new KeyedCounter(registry, {
    name: 'vaultlet_secret_rotations_total',
    help: 'Fetches of a new credential or version to replace the current one, per secret by result.',
    key: 'secret',
    labels: results,
  });
  const writes = new KeyedCounter(registry, {
    name: 'vaultlet_secret_writes_total',
    help: 'File write attempts per secret by result; changed="false" when the bytes were already on disk.',
    key: 'secret',
    labels: { ...results, changed: [booleanLabel(true), booleanLabel(false)] },
  });

  return {
    declare(secret) {
      renewals.declare(secret);
      rotations.declare(secret);
      writes.declare(secret);
    },
    renewed(secret, result) {
      renewals.inc(secret, { result });
    },
    rotated(secret, result) {
      rotations.inc(secret, { result });
    },
    written(secret, result, changed) {
      writes.inc(secret, { result, changed: booleanLabel(changed) });
    },
  };
}
