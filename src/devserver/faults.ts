import type { RequestHandler } from 'express';
import type { DevFaults } from './types.js';
import { sendError, VaultHttpError } from './vault-http.js';

/** Paths Vault still answers while sealed. */
const SEALED_EXEMPT = new Set(['sys/health', 'sys/seal-status', 'sys/unseal']);

export function defaultFaults(): DevFaults {
  return { sealed: false, latencyMs: 0, errorStatus: 0, errorRate: 1 };
}

/** Applies the test-controlled faults: latency first, then sealed, then injected errors. */
export function faultsMiddleware(faults: DevFaults, signal: AbortSignal): RequestHandler {
  return async (req, res, next) => {
    const path = req.path.replace(/^\/v1\//, '').replace(/^\/+/, '');
    if (faults.latencyMs > 0) await delay(faults.latencyMs, signal);
    if (faults.sealed && !SEALED_EXEMPT.has(path)) {
      sendError(res, new VaultHttpError(503, ['Vault is sealed']));
      return;
    }
    const pattern = faults.errorPathPattern;
    if (faults.errorStatus > 0 && (!pattern || pattern.test(path)) && Math.random() < faults.errorRate) {
      if (faults.retryAfterSeconds !== undefined && (faults.errorStatus === 429 || faults.errorStatus === 503)) {
        res.set('Retry-After', String(faults.retryAfterSeconds));
      }
      sendError(res, new VaultHttpError(faults.errorStatus, ['injected fault']));
      return;
    }
    next();
  };
}

function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
