import type { Request, Router } from 'express';
import type { DevContext } from './context.js';
import type { Capability } from './policy.js';
import type { TokenEntry } from './tokens.js';
import { badRequest, operationOf, permissionDenied, policyDenied, sendReply, unsupportedOperation, type Operation, type Reply } from './vault-http.js';

export interface Call {
  req: Request;
  /** The Vault path, e.g. "secret/data/app/db" (no "/v1/", no query). */
  path: string;
  /** Named route parameters; wildcard parameters are joined with "/". */
  params: Record<string, string>;
  /** The JSON body for writes; the query parameters for reads, lists and deletes (as in Vault). */
  body: Record<string, unknown>;
  /** The caller's token; undefined only on unauthenticated routes. */
  token: TokenEntry | undefined;
  op: Operation;
}

export type Handler = (call: Call) => Reply | void | Promise<Reply | void>;

export interface RouteSpec {
  mountType: string;
  read?: Handler;
  list?: Handler;
  write?: Handler;
  delete?: Handler;
  /** Login, health and unseal paths take no token and skip policy checks. */
  unauthenticated?: boolean;
  /**
   * Vault's existence check: where a backend has one, a write to a missing entry needs
   * "create" and a write to an existing one needs "update"; elsewhere writes need "update".
   */
  exists?: (call: Call) => boolean;
  /** Root-protected paths need "sudo" in addition to the operation's capability. */
  sudo?: boolean;
}

export function tokenFromRequest(req: Request): string | undefined {
  const header = req.get('x-vault-token');
  if (header) return header;
  const bearer = /^Bearer\s+(.+)$/i.exec(req.get('authorization') ?? '');
  return bearer?.[1];
}

export function vaultPathOf(req: Request): string {
  try {
    return decodeURIComponent(req.path).replace(/^\/+/, '');
  } catch {
    return req.path.replace(/^\/+/, '');
  }
}

/** Adds one Vault path: token check, policy check, then the handler for the operation. */
export function addRoute(router: Router, ctx: DevContext, pattern: string, spec: RouteSpec): void {
  router.all(pattern, async (req, res) => {
    const op = operationOf(req);
    const call: Call = {
      req, path: vaultPathOf(req), params: paramsOf(req.params), body: bodyOf(req, op), token: undefined,
      op: op ?? 'read',
    };
    // Vault refuses this before looking at the token.
    if (op === 'write' && req.path.length > 1 && req.path.endsWith('/')) throw badRequest("cannot write to a path ending in '/'");
    if (!spec.unauthenticated) {
      call.token = ctx.tokens.get(tokenFromRequest(req));
      if (!call.token) throw permissionDenied();
    }
    const handler = op ? spec[op] : undefined;
    if (call.token && op) {
      const capability: Capability =
        op === 'write' ? (spec.exists && !spec.exists(call) ? 'create' : 'update') : op;
      const policies = call.token.policies;
      if (!ctx.policies.allows(policies, call.path, capability)) throw policyDenied();
      if (spec.sudo && !ctx.policies.allows(policies, call.path, 'sudo')) throw policyDenied();
    }
    if (!handler) throw unsupportedOperation();
    sendReply(res, await handler(call), spec.mountType);
  });
}

function paramsOf(params: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined) out[key] = Array.isArray(value) ? value.join('/') : value;
  }
  return out;
}

function bodyOf(req: Request, op: Operation | undefined): Record<string, unknown> {
  if (op === 'write') {
    const body: unknown = req.body;
    return typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
  }
  const query: Record<string, unknown> = { ...(req.query as Record<string, unknown>) };
  delete query['list'];
  return query;
}
