import express, { type Router } from 'express';
import type { DevContext } from './context.js';
import { tokenFromRequest } from './route.js';
import type { DevFaults, RecordedRequest } from './types.js';
import { badRequest, permissionDenied } from './vault-http.js';

const FAULT_KEYS = ['sealed', 'hang', 'latencyMs', 'errorStatus', 'errorRate', 'errorPathPattern', 'latencyPathPattern', 'retryAfterSeconds'] as const;

export function faultsView(faults: DevFaults): Record<string, unknown> {
  return { ...faults, errorPathPattern: faults.errorPathPattern?.source ?? null, latencyPathPattern: faults.latencyPathPattern?.source ?? null };
}

/** Merges a JSON body into the faults; the path patterns arrive as regular expression strings. */
export function mergeFaults(faults: DevFaults, patch: Record<string, unknown>): void {
  for (const key of Object.keys(patch)) {
    if (!(FAULT_KEYS as readonly string[]).includes(key)) throw badRequest(`unknown fault "${key}"`);
  }
  if ('sealed' in patch) faults.sealed = Boolean(patch['sealed']);
  if ('hang' in patch) faults.hang = Boolean(patch['hang']);
  for (const key of ['latencyMs', 'errorStatus', 'errorRate'] as const) {
    if (key in patch) {
      const value = Number(patch[key]);
      if (!Number.isFinite(value) || value < 0) throw badRequest(`${key} must be a non-negative number`);
      faults[key] = value;
    }
  }
  if ('retryAfterSeconds' in patch) {
    const value = patch['retryAfterSeconds'];
    if (value === null || value === undefined) delete faults.retryAfterSeconds;
    else faults.retryAfterSeconds = Number(value);
  }
  for (const key of ['errorPathPattern', 'latencyPathPattern'] as const) {
    if (!(key in patch)) continue;
    const value = patch[key];
    if (value === null || value === undefined || value === '') delete faults[key];
    else {
      try {
        faults[key] = new RegExp(String(value));
      } catch {
        throw badRequest(`${key} is not a valid regular expression`);
      }
    }
  }
}

export interface ControlActions {
  revokeToken(token: string): void;
  revokeLease(leaseId: string): void;
  stats(): { leases: number; leasesIssued: number; tokens: number };
}

/** /__dev: test controls for a dev server in another process. Root token only; never recorded. */
export function controlRouter(ctx: DevContext, requests: RecordedRequest[], actions: ControlActions): Router {
  const router = express.Router();
  router.use((req, _res, next) => {
    const token = ctx.tokens.get(tokenFromRequest(req));
    if (!token || !token.policies.includes('root')) throw permissionDenied();
    next();
  });
  const body = (req: express.Request) => (typeof req.body === 'object' && req.body !== null ? (req.body as Record<string, unknown>) : {});
  router.get('/faults', (_req, res) => void res.json(faultsView(ctx.faults)));
  router.post('/faults', (req, res) => {
    mergeFaults(ctx.faults, body(req));
    res.json(faultsView(ctx.faults));
  });
  router.post('/revoke-token', (req, res) => {
    const token = body(req)['token'];
    if (typeof token !== 'string' || !token) throw badRequest('missing token');
    actions.revokeToken(token);
    res.status(204).end();
  });
  router.post('/revoke-lease', (req, res) => {
    const leaseId = body(req)['lease_id'];
    if (typeof leaseId !== 'string' || !leaseId) throw badRequest('missing lease_id');
    actions.revokeLease(leaseId);
    res.status(204).end();
  });
  router.get('/stats', (_req, res) => void res.json(actions.stats()));
  router.get('/requests', (_req, res) => void res.json(requests));
  router.delete('/requests', (_req, res) => {
    requests.length = 0;
    res.status(204).end();
  });
  return router;
}
