import { Registry, collectDefaultMetrics } from 'prom-client';

export interface CreateRegistryOptions {
  /** Node process metrics (CPU, memory, event loop, GC); default true. */
  processMetrics?: boolean;
}

/**
 * A registry of our own rather than prom-client's global one, so tests and embedders can run
 * several agents in one process without metric name clashes. Process metrics carry no prefix
 * so standard Node dashboards work unchanged.
 */
export function createRegistry(options: CreateRegistryOptions = {}): Registry {
  const registry = new Registry();
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry });
  return registry;
}
