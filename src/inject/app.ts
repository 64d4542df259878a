import express, { type ErrorRequestHandler } from 'express';
import type { Logger } from '../log.js';
import type { InjectorMetrics } from './metrics.js';
import { answerReview } from './review.js';
import type { InjectorSettings } from './settings.js';

/** Pods carry their whole spec; the API server caps a request at 3 MiB, and so do we. */
const BODY_LIMIT = '3mb';

/** POST /mutate (AdmissionReview v1) and GET /healthz. */
export function createInjectorApp(settings: InjectorSettings, logger: Logger, metrics?: InjectorMetrics): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  app.post('/mutate', (_req, res, next) => {
    // Timed from the first byte: a slow body read counts against the API server's timeout too.
    const started = process.hrtime.bigint();
    res.once('finish', () => {
      const result = (res.locals.result as string | undefined) ?? 'malformed';
      metrics?.admitted(result as Parameters<InjectorMetrics['admitted']>[0], Number(process.hrtime.bigint() - started) / 1e9);
    });
    next();
  }, express.json({ limit: BODY_LIMIT, type: () => true }), (req, res) => {
    const outcome = answerReview(req.body, settings);
    if (outcome.httpStatus === 400) {
      logger.warn({ error: outcome.error }, 'malformed admission review');
      res.status(400).json({ error: outcome.error });
      return;
    }
    res.locals.result = outcome.log.result;
    logger.info(outcome.log, `admission ${outcome.log.result}`);
    res.json(outcome.review);
  });
  app.all(['/mutate', '/healthz'], (req, res) => {
    res.status(405).set('Allow', req.path === '/mutate' ? 'POST' : 'GET, HEAD').json({ error: 'method not allowed' });
  });
  app.use((_req, res) => {
    res.status(404).json({ error: 'not found' });
  });
  app.use(bodyErrors(logger));
  return app;
}

/** Unparseable or oversized bodies are the client's fault: a 400/413 that says so, not a 500. */
function bodyErrors(logger: Logger): ErrorRequestHandler {
  return (error: unknown, _req, res, next) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    const type = (error as { type?: unknown }).type;
    if (type === 'entity.parse.failed') {
      res.status(400).json({ error: 'malformed AdmissionReview: the body is not valid JSON' });
    } else if (type === 'entity.too.large') {
      res.status(413).json({ error: `AdmissionReview larger than ${BODY_LIMIT}` });
    } else {
      const status = (error as { status?: unknown }).status;
      if (typeof status === 'number' && status >= 400 && status < 500) {
        res.status(status).json({ error: 'bad request' });
        return;
      }
      logger.error({ error: error instanceof Error ? error.message : String(error) }, 'injector request failed');
      res.locals.result = 'failed';
      res.status(500).json({ error: 'internal error' });
    }
  };
}
