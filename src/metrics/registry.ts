import { Registry, collectDefaultMetrics } from 'prom-client';
import { EVENT_LOOP_DELAY_METRICS, createEventLoopMetrics } from './event-loop-metrics.js';

/** Longest timer Node accepts (2^31 - 1 ms, about 24.8 days). */
const IDLE_TIMER_MS = 2 ** 31 - 1;

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
    // prom-client's event-loop histogram reports the timer's interval as part of the delay
    // (event-loop-metrics.ts): its gauges are replaced, and its timer set to a tick it never
    // reaches, so the process wakes once a second for ours, not twice.
    collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: IDLE_TIMER_MS });
    for (const name of [...MISNAMED_DEFAULT_METRICS, ...Object.values(EVENT_LOOP_DELAY_METRICS)]) registry.removeSingleMetric(name);
    // 10 ms (Node's default) would be about 100 wake-ups a second, most of an idle sidecar's CPU.
    createEventLoopMetrics(registry, 1000);
  }
  return registry;
}
