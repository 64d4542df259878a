import express, { type RequestHandler } from 'express';
import type { Registry } from 'prom-client';
import type { Readiness } from './readiness.js';
import { jsonErrors, notFound } from './json-errors.js';

export type { Readiness } from './readiness.js';

export interface HttpAppOptions {
  registry: Registry;
  /** Asked at every /readyz request, so the answer is never stale. */
  readiness: () => Readiness;
}

/** Read-only endpoints for the kubelet and Prometheus: /healthz, /readyz, /metrics. GET and HEAD only. */
export function createHttpApp(options: HttpAppOptions): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');

  app.use((_req, res, next) => {
    // Probe and scrape answers describe this instant; a cached one would be a lie.
    res.set('Cache-Control', 'no-store');
    next();
  });

  // Liveness stays 200 while the process can answer at all: restarting the pod would not fix
  // Vault being down, so that belongs in /readyz, not here.
  route(app, '/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  route(app, '/readyz', (_req, res) => {
    const readiness = options.readiness();
    if (readiness.ready) res.json({ status: 'ready' });
    else res.status(503).json({ status: 'not ready', reasons: [...readiness.reasons] });
  });

  route(app, '/metrics', async (_req, res) => {
    const body = await options.registry.metrics();
    res.type(options.registry.contentType).send(body);
  });

  app.use(notFound);
  app.use(jsonErrors);
  return app;
}

/** GET (and HEAD, which express answers from the GET handler); other methods get 405. */
function route(app: express.Express, path: string, handler: RequestHandler): void {
  app.get(path, handler);
  app.all(path, (_req, res) => {
    res.status(405).set('Allow', 'GET, HEAD').json({ status: 'method not allowed' });
  });
}
