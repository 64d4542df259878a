import { Agent } from '../agent.js';
import type { LoadedConfig } from './config-source.js';
import { AbortedError, VaultletError } from '../errors.js';
import { createLogger } from '../log.js';
import { noopRecorder } from '../metrics/recorder.js';

/**
 * `vaultlet once`: write every secret once and exit, for init containers. Leases and the token
 * are left alive on purpose: the app is about to use them, and revoking the token would revoke
 * them too. Gives up after `timeoutMs` so a pod is never stuck in init forever.
 */
export async function runOnce({ config, templates }: LoadedConfig, stop: AbortSignal, timeoutMs: number): Promise<void> {
  const logger = createLogger(config.log.level);
  const agent = new Agent({ config, templates, logger, recorder: noopRecorder });
  const deadline = AbortSignal.any([stop, AbortSignal.timeout(timeoutMs)]);
  try {
    await agent.once(deadline);
    logger.info({ secrets: config.secrets.length, directory: config.output.directory }, 'all secrets written');
  } catch (error) {
    if (!(error instanceof AbortedError) || stop.aborted) throw error;
    throw new VaultletError(`gave up after ${timeoutMs / 1000}s: ${whatIsMissing(agent).join('; ')}`);
  } finally {
    await agent.close({ revoke: false, gracePeriodMs: 0 });
    logger.flush();
  }
}

/** Why `once` could not finish, per secret, in words an operator can act on. */
function whatIsMissing(agent: Agent): string[] {
  const problems: string[] = [];
  if (!agent.auth.current()) problems.push(`not logged in${agent.auth.lastError() ? ` (${agent.auth.lastError()})` : ''}`);
  for (const worker of agent.workers) {
    if (worker.readiness().ready) continue;
    const error = worker.lastError();
    problems.push(`secret "${worker.name}" not written${error ? ` (${error})` : ''}`);
  }
  return problems;
}
