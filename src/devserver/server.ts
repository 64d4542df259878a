import express, { type ErrorRequestHandler, type Express, type RequestHandler } from 'express';
import type { DevContext } from './context.js';
import { controlRouter, type ControlActions } from './control.js';
import { addDatabaseRoutes } from './database.js';
import { faultsMiddleware } from './faults.js';
import { addHealthRoutes } from './health.js';
import { addJwtAuthRoutes } from './jwt-auth.js';
import { addKv1Routes } from './kv1.js';
import { addPkiRoutes } from './pki.js';
import { addApproleRoutes } from './approle.js';
import { addWrappingRoutes, wrappingMiddleware } from './wrapping.js';
import { addKubernetesAuthRoutes } from './kubernetes-auth.js';
import { addKv2Routes } from './kv2.js';
import { addLeaseRoutes } from './lease-routes.js';
import { LIST_MARKER_HEADER } from './list-method.js';
import { addMountRoutes } from './mounts.js';
import { addPolicyRoutes } from './policy-routes.js';
import { tokenFromRequest, vaultPathOf } from './route.js';
import { addTokenRoutes } from './token-routes.js';
import type { RecordedRequest } from './types.js';
import { badRequest, notFound, permissionDenied, policyDenied, sendError, VaultHttpError } from './vault-http.js';

/** The whole dev server app: recording, body parsing, /__dev controls, faults, then /v1. */
export function createApp(ctx: DevContext, requests: RecordedRequest[], actions: ControlActions, signal: AbortSignal): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(restoreListMethod);
  app.use(recordRequests(ctx, requests));
  // Vault reads JSON whatever the content type says, and accepts empty bodies.
  app.use(express.json({ type: () => true, limit: '32mb' }));
  app.use((req, res, next) => {
    const record = res.locals['record'] as RecordedRequest | undefined;
    if (record) record.body = req.body;
    next();
  });
  app.use('/__dev', controlRouter(ctx, requests, actions));
  app.use(faultsMiddleware(ctx.faults, signal));
  app.use(refuseForeignIndex);
  app.use('/v1', vaultRouter(ctx));
  app.use(() => {
    throw notFound();
  });
  app.use(errorHandler);
  return app;
}

function vaultRouter(ctx: DevContext): express.Router {
  const router = express.Router();
  addHealthRoutes(router, ctx);
  // Before every Vault path whose answer may be wrapped (token create and logins included).
  router.use(wrappingMiddleware(ctx));
  addWrappingRoutes(router, ctx);
  addPolicyRoutes(router, ctx);
  addMountRoutes(router, ctx);
  addTokenRoutes(router, ctx);
  addLeaseRoutes(router, ctx);
  addKubernetesAuthRoutes(router, ctx);
  addJwtAuthRoutes(router, ctx);
  addApproleRoutes(router, ctx);
  addKv2Routes(router, ctx);
  addKv1Routes(router, ctx);
  addPkiRoutes(router, ctx);
  addDatabaseRoutes(router, ctx);
  // Unknown paths: a bad token or a policy without access is refused first, as in Vault.
  router.use((req) => {
    const token = ctx.tokens.get(tokenFromRequest(req));
    if (!token) throw permissionDenied();
    if (!token.policies.includes('root') && !ctx.policies.allows(token.policies, vaultPathOf(req), 'read')) {
      throw policyDenied();
    }
    throw notFound();
  });
  return router;
}

/**
 * X-Vault-Index is the replication state a client saw on another node (base64 of "v1:…"). One
 * node is always up to date, so a well-formed index is ignored; Vault refuses one it cannot decode.
 */
const refuseForeignIndex: RequestHandler = (req, _res, next) => {
  const index = req.get('x-vault-index');
  if (index !== undefined && !Buffer.from(index, 'base64').toString('latin1').startsWith('v1:')) throw badRequest('failed to decode "X-Vault-Index"');
  next();
};

const restoreListMethod: RequestHandler = (req, _res, next) => {
  if (req.headers[LIST_MARKER_HEADER]) {
    req.method = 'LIST';
    delete req.headers[LIST_MARKER_HEADER];
  }
  next();
};

function recordRequests(ctx: DevContext, requests: RecordedRequest[]): RequestHandler {
  return (req, res, next) => {
    if (req.path === '/__dev' || req.path.startsWith('/__dev/')) return next();
    const token = ctx.tokens.get(tokenFromRequest(req));
    const record: RecordedRequest = {
      method: req.method,
      path: req.path.replace(/^\/v1\//, '').replace(/^\/+/, ''),
      query: Object.fromEntries(Object.entries(req.query).map(([k, v]) => [k, String(v)])),
      body: undefined,
      status: 0,
      at: ctx.now(),
      ...(token ? { tokenAccessor: token.accessor } : {}),
    };
    requests.push(record);
    res.locals['record'] = record;
    // The status is stored when headers go out, so it is there before the client sees the answer.
    const writeHead = res.writeHead.bind(res) as (...args: unknown[]) => typeof res;
    res.writeHead = ((...args: unknown[]) => {
      record.status = Number(args[0]);
      record.answeredAt = ctx.now();
      return writeHead(...args);
    }) as typeof res.writeHead;
    next();
  };
}

const errorHandler: ErrorRequestHandler = (error: unknown, _req, res, _next) => {
  if (res.headersSent) return;
  if (error instanceof VaultHttpError) return sendError(res, error);
  const parseFailure = (error as { type?: string }).type === 'entity.parse.failed';
  if (parseFailure) return sendError(res, new VaultHttpError(400, ['failed to parse JSON input: invalid JSON']));
  const tooLarge = (error as { type?: string }).type === 'entity.too.large';
  if (tooLarge) return sendError(res, new VaultHttpError(413, ['request body too large']));
  sendError(res, new VaultHttpError(500, ['internal error']));
};
