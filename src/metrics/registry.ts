import { Registry, collectDefaultMetrics } from 'prom-client';

export interface CreateRegistryOptions {
  /** Node process metrics (CPU, memory, event loop, GC); default true. */
  processMetrics?: boolean;
}

/**
 * prom-client's gauges that end in `_total`, which Prometheus reserves for counters (`promtool
 * check metrics` rejects them). Each is the sum of the per-type gauge without the suffix, e.g.
 * `nodejs_active_handles_total` = `sum(nodejs_active_handles)`, so nothing is lost.
 */
export const MISNAMED_DEFAULT_METRICS: readonly string[] = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
];

/**
 * A registry of our own rather than prom-client's global one, so tests and embedders can run
 * several agents in one process without metric name clashes. Process metrics carry no prefix
 * so standard Node dashboards work (panels on the three sums above need `sum(...)` instead).
 */
export function createRegistry(options: CreateRegistryOptions = {}): Registry {
  const registry = new Registry();
  if (options.processMetrics ?? true) {
    // The event-loop lag histogram samples every 10 ms by default: about 100 wake-ups a second,
    // most of an idle sidecar's CPU. One-second resolution is plenty for a sidecar.
    collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 1000 });
    for (const name of MISNAMED_DEFAULT_METRICS) registry.removeSingleMetric(name);
  }
  return registry;
}
