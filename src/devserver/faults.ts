import type { ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';
import type { DevFaults } from './types.js';
import { sendError, VaultHttpError } from './vault-http.js';

/** Paths Vault still answers while sealed. */
const SEALED_EXEMPT = new Set(['sys/health', 'sys/seal-status', 'sys/unseal']);

/** How often a held request looks whether the hang has been lifted. */
const HANG_POLL_MS = 20;

/**
 * What Vault itself says for statuses that have a fixed meaning; anything else is reported as an
 * injected fault so test output shows where it came from.
 */
const VAULT_MESSAGES: Record<number, string> = {
  // A performance standby that has not caught up with the X-Vault-Index the client sent.
  412: 'required index state not present',
};

/** The error message of an injected status: Vault's own where the status has a fixed meaning. */
export function injectedFaultMessage(status: number): string {
  return VAULT_MESSAGES[status] ?? 'injected fault';
}

export function defaultFaults(): DevFaults {
  return { sealed: false, latencyMs: 0, errorStatus: 0, errorRate: 1, hang: false };
}

/** Applies the test-controlled faults: latency first, then hang, then sealed, then injected errors. */
export function faultsMiddleware(faults: DevFaults, signal: AbortSignal): RequestHandler {
  return async (req, res, next) => {
    const path = req.path.replace(/^\/v1\//, '').replace(/^\/+/, '');
    const slow = !faults.latencyPathPattern || faults.latencyPathPattern.test(path);
    if (faults.latencyMs > 0 && slow) await delay(faults.latencyMs, signal);
    if (faults.hang && !(await holdWhileHanging(faults, res, signal))) return;
    if (faults.sealed && !SEALED_EXEMPT.has(path)) {
      sendError(res, new VaultHttpError(503, ['Vault is sealed']));
      return;
    }
    const pattern = faults.errorPathPattern;
    if (faults.errorStatus > 0 && (!pattern || pattern.test(path)) && Math.random() < faults.errorRate) {
      if (faults.retryAfterSeconds !== undefined && (faults.errorStatus === 429 || faults.errorStatus === 503)) {
        res.set('Retry-After', String(faults.retryAfterSeconds));
      }
      sendError(res, new VaultHttpError(faults.errorStatus, [injectedFaultMessage(faults.errorStatus)]));
      return;
    }
    next();
  };
}

/** Resolves true when the hang is lifted, false when the client or the server gave up first. */
export function holdWhileHanging(faults: Pick<DevFaults, 'hang'>, res: ServerResponse, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setInterval(check, HANG_POLL_MS);
    const onClose = () => finish(false);
    res.once('close', onClose);
    signal.addEventListener('abort', onClose, { once: true });
    check();
    function check() {
      if (!faults.hang) finish(true);
    }
    function finish(answer: boolean) {
      clearInterval(timer);
      res.off('close', onClose);
      signal.removeEventListener('abort', onClose);
      resolve(answer && !res.destroyed && !signal.aborted);
    }
  });
}

export function delay(ms: number, signal: AbortSignal): Promise<void> {
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
