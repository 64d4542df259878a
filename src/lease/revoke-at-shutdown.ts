import type { AuthHandler } from '../auth/auth-handler.js';
import { describeError, type Logger } from '../log.js';
import { forEachLimited } from '../util/for-each-limited.js';
import type { SecretWorker } from './secret-worker.js';

/**
 * Revocations in flight at once. Ten thousand leases from an earlier token would otherwise queue
 * ten thousand requests, each listening on the grace period's signal (adding a listener to an
 * AbortSignal walks its list: quadratic).
 */
const REVOCATIONS_AT_ONCE = 16;

/**
 * Gives everything back within the grace period: each lease obtained with an earlier token one by
 * one, then the current token, with which Vault revokes every lease it created. Returns whether
 * the token was revoked (then nothing is left for a restarted agent to adopt). Never throws.
 */
export async function revokeAtShutdown(workers: readonly SecretWorker[], auth: AuthHandler, logger: Logger, grace: AbortSignal): Promise<boolean> {
  const current = auth.current();
  const tokenBeingRevoked = current?.owned ? current.token : undefined;
  const results = await forEachLimited(workers, REVOCATIONS_AT_ONCE, (worker) => worker.revoke(grace, tokenBeingRevoked));
  results.forEach((result, index) => {
    if (result.status === 'rejected') {
      logger.warn({ secret: workers[index]!.name, error: describeError(result.reason) }, 'could not revoke lease at shutdown (does the policy grant update on sys/leases/revoke?)');
    }
  });
  let tokenRevoked = false;
  try {
    tokenRevoked = await auth.revoke(grace);
    if (tokenRevoked) logger.info('revoked the Vault token');
  } catch (error) {
    logger.warn({ error: describeError(error) }, 'could not revoke the Vault token at shutdown; its leases stay until they expire');
  }
  const count = (outcome: string) => results.filter((r) => r.status === 'fulfilled' && r.value === outcome).length;
  logger.info({ with_token: tokenRevoked ? count('with-token') : 0, explicitly: count('revoked') }, 'revoked leases');
  return tokenRevoked;
}
