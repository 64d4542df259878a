import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Histogram, type Registry } from 'prom-client';
import { VaultletError } from '../errors.js';
import { closeServer } from '../http/server.js';
import { createRegistry } from '../metrics/registry.js';
import type { ReviewLog } from './review.js';

/**
 * The injector's own metrics (not the agent's recorder): admissions by result and how long each
 * took, served over plain HTTP on a port of their own so Prometheus scrapes them without the
 * webhook's certificate.
 */

export type AdmissionResult = ReviewLog['result'] | 'malformed';

export class InjectorMetrics {
  readonly registry: Registry;
  private readonly admissions: Counter<'result'>;
  private readonly duration: Histogram<'result'>;

  constructor(registry: Registry = createRegistry()) {
    this.registry = registry;
    this.admissions = new Counter({
      name: 'vaultlet_injector_admissions_total',
      help: 'Admission reviews answered, by result: patched, skipped, refused, ignored (not a pod CREATE), failed (a bug), malformed',
      labelNames: ['result'],
      registers: [registry],
    });
    this.duration = new Histogram({
      name: 'vaultlet_injector_admission_duration_seconds',
      help: 'Time from receiving an admission review to answering it (the API server gives up at the webhook timeout)',
      labelNames: ['result'],
      // The API server's timeoutSeconds is at most 30; deciding takes milliseconds.
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5],
      registers: [registry],
    });
    for (const result of ['patched', 'skipped', 'refused', 'ignored', 'failed', 'malformed'] as const) this.admissions.inc({ result }, 0);
  }

  admitted(result: AdmissionResult, seconds: number): void {
    this.admissions.inc({ result });
    this.duration.observe({ result }, seconds);
  }
}

export interface MetricsServer {
  readonly url: string;
  close(): Promise<void>;
}

/** GET /metrics on plain HTTP. */
export async function startMetricsServer(metrics: InjectorMetrics, host: string, port: number): Promise<MetricsServer> {
  const server: Server = createServer((req, res) => {
    if (req.url !== '/metrics' || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    metrics.registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(req.method === 'HEAD' ? undefined : text),
      () => res.writeHead(500).end(),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => reject(new VaultletError(`cannot listen on ${host}:${port} for metrics: ${error.code ?? error.message}`, { cause: error })));
    server.listen({ host, port }, () => resolve());
  });
  const { port: actual } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  return Object.freeze({
    url: `http://${host.includes(':') ? `[${host}]` : host}:${actual}`,
    close: () => (closing ??= closeServer(server)),
  });
}
