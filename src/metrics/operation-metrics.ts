import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { RESULTS } from './labels.js';
import type { ActionResult, EndpointReadResult, EndpointRefusal, Result } from './recorder.js';

export interface OperationMetrics {
  actionRan(action: string, result: ActionResult, seconds: number): void;
  fileRead(file: string, result: EndpointReadResult): void;
  requestRefused(reason: EndpointRefusal): void;
  configReloaded(result: Result): void;
}

/** What vaultlet does around the files: on-change actions, reads through the endpoint, config reloads. */
export function createOperationMetrics(registry: Registry, now: () => number): OperationMetrics {
  const actions = new Counter({
    name: 'vaultlet_action_runs_total',
    help: 'On-change action runs by action and result (success, failure, timeout, not_found: no process of that name).',
    labelNames: ['action', 'result'] as const,
    registers: [registry],
  });
  const actionSeconds = new Histogram({
    name: 'vaultlet_action_duration_seconds',
    help: 'How long on-change actions took.',
    labelNames: ['action'] as const,
    buckets: [0.01, 0.1, 0.5, 1, 5, 30],
    registers: [registry],
  });
  const reads = new Counter({
    name: 'vaultlet_file_endpoint_reads_total',
    help: 'Requests for a file on the read endpoint: ok (bytes served, an exact read), not_modified (ETag matched), not_ready (not written yet).',
    labelNames: ['file', 'result'] as const,
    registers: [registry],
  });
  const lastRead = new Gauge({
    name: 'vaultlet_file_endpoint_last_read_timestamp_seconds',
    help: 'When the app last read the file through the read endpoint.',
    labelNames: ['file'] as const,
    registers: [registry],
  });
  const refused = new Counter({
    name: 'vaultlet_file_endpoint_refused_total',
    help: 'Read endpoint requests refused: not_found, method_not_allowed, forbidden (not from loopback).',
    labelNames: ['reason'] as const,
    registers: [registry],
  });
  const reloads = new Counter({
    name: 'vaultlet_config_reloads_total',
    help: 'Config reloads (file change or SIGHUP) by result; a failed one leaves the running config in place.',
    labelNames: ['result'] as const,
    registers: [registry],
  });
  const lastReload = new Gauge({
    name: 'vaultlet_config_last_reload_success_timestamp_seconds',
    help: 'When the running config was loaded (at start or by the last successful reload).',
    registers: [registry],
  });
  // As Prometheus' own prometheus_config_last_reload_successful: an alert on it needs no arithmetic on counters.
  const lastReloadOk = new Gauge({
    name: 'vaultlet_config_last_reload_successful',
    help: 'Whether the last config reload succeeded (1; also before any reload) or was refused and the previous config is still running (0).',
    registers: [registry],
  });
  for (const result of RESULTS) reloads.inc({ result }, 0);
  lastReload.set(now() / 1000);
  lastReloadOk.set(1);

  return {
    actionRan(action, result, seconds) {
      actions.inc({ action, result });
      actionSeconds.observe({ action }, seconds);
    },
    fileRead(file, result) {
      reads.inc({ file, result });
      if (result === 'ok') lastRead.set({ file }, now() / 1000);
    },
    requestRefused(reason) {
      refused.inc({ reason });
    },
    configReloaded(result) {
      reloads.inc({ result });
      lastReloadOk.set(result === 'success' ? 1 : 0);
      if (result === 'success') lastReload.set(now() / 1000);
    },
  };
}
