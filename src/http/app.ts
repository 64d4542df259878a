import express, { type RequestHandler } from 'express';
import { Registry } from 'prom-client';
import { exposition, streamedOf } from '../metrics/streamed-metric.js';
import type { Readiness } from './readiness.js';
import { jsonErrors, notFound } from './json-errors.js';
import { answerProbe } from './probes.js';
import type { AgentStatus } from '../agent.js';
import { renderStatusPage, STATUS_PAGE_CSP } from './status-page.js';
import { toStatusView } from './status-view.js';

export type { Readiness } from './readiness.js';

export interface HttpAppOptions {
  registry: Registry;
  /** Asked at every /readyz request, so the answer is never stale. */
  readiness: () => Readiness;
  /** Serves /status (HTML) and /status.json when given; asked at every request. No values, no tokens. */
  status?: () => AgentStatus;
  /** Epoch ms for the status page's clock; Date.now by default, injected by tests. */
  now?: () => number;
}

/**
 * Read-only endpoints for the kubelet, Prometheus and people: /healthz, /readyz, /metrics, and
 * /status with its JSON twin /status.json. GET and HEAD only.
 */
export function createHttpApp(options: HttpAppOptions): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');

  app.use((_req, res, next) => {
    // Probe and scrape answers describe this instant; a cached one would be a lie.
    res.set('Cache-Control', 'no-store');
    next();
  });

  // /healthz and /readyz: the same answers `vaultlet run` gives before express has loaded.
  app.use((req, res, next) => {
    if (!answerProbe(req, res, options.readiness)) next();
  });

  route(app, '/metrics', async (_req, res) => {
    await sendMetrics(options.registry, res);
  });

  const status = options.status;
  if (status) {
    const now = options.now ?? Date.now;
    route(app, '/status.json', (_req, res) => {
      res.json(toStatusView(status(), now()));
    });
    route(app, '/status', (_req, res) => {
      res.set({
        'Content-Security-Policy': STATUS_PAGE_CSP,
        'X-Content-Type-Options': 'nosniff',
        'Referrer-Policy': 'no-referrer',
      });
      res.type('html').send(renderStatusPage(toStatusView(status(), now())));
    });
  }

  app.use(notFound);
  app.use(jsonErrors);
  return app;
}

/**
 * The exposition text one metric at a time, as registry.metrics() would give it whole: with
 * 10,000 secrets that text is megabytes, and building it in one piece (every metric's series and
 * lines at once) was most of a scrape's 30 MiB peak.
 */
async function sendMetrics(registry: Registry, res: express.Response): Promise<void> {
  res.type(registry.contentType);
  if (registry.contentType !== Registry.PROMETHEUS_CONTENT_TYPE) {
    res.send(await registry.metrics());
    return;
  }
  const metrics = registry.getMetricsAsArray();
  for (let index = 0; index < metrics.length; index++) {
    const metric = metrics[index]!;
    const own = streamedOf(metric);
    // Ours are written in pieces as they are formatted; prom-client's own whole.
    const pieces = own ? exposition(own) : [await registry.getSingleMetricAsString(metric.name)];
    let separator = index ? '\n\n' : '';
    for (const piece of pieces) {
      if (res.destroyed) return;
      if (!res.write(separator + piece)) await drained(res);
      separator = '';
    }
  }
  res.end('\n');
}

function drained(res: express.Response): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

/** GET (and HEAD, which express answers from the GET handler); other methods get 405. */
function route(app: express.Express, path: string, handler: RequestHandler): void {
  app.get(path, handler);
  app.all(path, (_req, res) => {
    res.status(405).set('Allow', 'GET, HEAD').json({ status: 'method not allowed' });
  });
}
