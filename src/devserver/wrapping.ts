import type { RequestHandler, Router } from 'express';
import type { DevContext } from './context.js';
import { DurationError, parseDurationSeconds } from './durations.js';
import { stringField } from './fields.js';
import { addRoute, tokenFromRequest, vaultPathOf, type Call } from './route.js';
import { badRequest, permissionDenied, policyDenied, VaultHttpError, type Reply } from './vault-http.js';
import { wrappedResponsesOf, type WrapInfo } from './wrapping-store.js';

/** Where the middleware leaves the requested TTL: sys/wrapping/wrap refuses to work without one. */
const WRAP_TTL_LOCAL = 'vaultWrapTtl';

const invalidWrappingToken = () => badRequest('wrapping token is not valid or does not exist');

/** What Vault sends instead of a wrapped answer: the wrap info and nothing else. */
function wrappedAnswer(wrapInfo: WrapInfo): Record<string, unknown> {
  return {
    request_id: '', lease_id: '', renewable: false, lease_duration: 0, data: null, wrap_info: wrapInfo,
    warnings: null, auth: null, mount_type: '',
  };
}

/** A normal Vault answer envelope not yet wrapped (raw bodies such as sys/health are never wrapped). */
function isUnwrappedEnvelope(body: unknown): body is Record<string, unknown> {
  return typeof body === 'object' && body !== null && !Array.isArray(body) && 'request_id' in body && (body as { wrap_info?: unknown }).wrap_info === null;
}

function parseWrapTtl(header: string): number {
  const text = header.trim();
  if (text.startsWith('-')) throw badRequest('error parsing X-Vault-Wrap-TTL header: requested wrap ttl cannot be negative');
  try {
    return parseDurationSeconds(text);
  } catch (error) {
    if (error instanceof DurationError) throw badRequest(`error parsing X-Vault-Wrap-TTL header: time: invalid duration ${JSON.stringify(text)}`);
    throw error;
  }
}

/**
 * X-Vault-Wrap-TTL on any request: a successful JSON answer is stored behind a single-use
 * wrapping token and the caller gets only `wrap_info`. Errors and 204s pass through unwrapped.
 */
export function wrappingMiddleware(ctx: DevContext): RequestHandler {
  const store = wrappedResponsesOf(ctx);
  return (req, res, next) => {
    const header = req.get('x-vault-wrap-ttl');
    if (!header) return next();
    const ttl = parseWrapTtl(header);
    if (ttl === 0) return next();
    res.locals[WRAP_TTL_LOCAL] = ttl;
    const creationPath = vaultPathOf(req);
    const json = res.json.bind(res);
    res.json = (body: unknown) => {
      if (res.statusCode < 200 || res.statusCode >= 300 || !isUnwrappedEnvelope(body)) return json(body);
      return json(wrappedAnswer(store.wrap(body, creationPath, ttl)));
    };
    next();
  };
}

/** sys/wrapping/{unwrap,lookup,wrap,rewrap}. */
export function addWrappingRoutes(router: Router, ctx: DevContext): void {
  const store = wrappedResponsesOf(ctx);
  const mountType = 'system';

  /** The wrapping token comes in the body (a third party unwraps) or as the request's own token. */
  const wrappingTokenOf = (call: Call): { id: string; thirdParty: boolean } => {
    const fromBody = stringField(call.body, 'token');
    if (fromBody) return { id: fromBody, thirdParty: true };
    const own = tokenFromRequest(call.req);
    if (!own) throw new VaultHttpError(403, ['error validating wrapping token: token is empty']);
    return { id: own, thirdParty: false };
  };

  /** Vault's default policy grants update on sys/wrapping/{wrap,lookup,unwrap}; so does the dev server's copy. */
  const requireCaller = (call: Call) => {
    const caller = ctx.tokens.get(tokenFromRequest(call.req));
    if (!caller) throw permissionDenied();
    if (!caller.policies.includes('root') && !ctx.policies.allows(caller.policies, call.path, 'update')) throw policyDenied();
  };

  const unwrap = (call: Call): Reply => {
    const { id, thirdParty } = wrappingTokenOf(call);
    if (!store.find(id)) throw invalidWrappingToken();
    if (thirdParty) requireCaller(call);
    const wrapped = store.take(id);
    if (!wrapped) throw invalidWrappingToken();
    return { raw: JSON.parse(wrapped.response) as unknown };
  };

  const lookup = (call: Call): Reply => {
    const found = store.find(wrappingTokenOf(call).id);
    if (!found) throw invalidWrappingToken();
    return {
      data: {
        creation_ttl: found.creationTtl, creation_time: new Date(found.creationTime).toISOString(),
        creation_path: found.creationPath,
      },
    };
  };

  const wrap = (call: Call): Reply => {
    requireCaller(call);
    if (!call.req.res?.locals[WRAP_TTL_LOCAL]) throw badRequest('endpoint requires response wrapping to be used');
    return { data: call.body };
  };

  const rewrap = (call: Call): Reply => {
    const { id, thirdParty } = wrappingTokenOf(call);
    if (!store.find(id)) throw invalidWrappingToken();
    if (thirdParty) requireCaller(call);
    const old = store.take(id);
    if (!old) throw invalidWrappingToken();
    return { raw: wrappedAnswer(store.rewrap(old)) };
  };

  // Authorisation is the wrapping token itself, checked above, as Vault does before its ACLs.
  const open = { mountType, unauthenticated: true } as const;
  addRoute(router, ctx, '/sys/wrapping/unwrap', { ...open, write: unwrap });
  addRoute(router, ctx, '/sys/wrapping/lookup', { ...open, read: lookup, write: lookup });
  addRoute(router, ctx, '/sys/wrapping/wrap', { ...open, write: wrap });
  addRoute(router, ctx, '/sys/wrapping/rewrap', { ...open, write: rewrap });
}
