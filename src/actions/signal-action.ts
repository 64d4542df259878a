import type { ActionOutcome, SignalAction } from './action.js';
import { errorCode } from './error-code.js';
import { findProcessesByName } from './find-processes.js';

const NOT_VISIBLE_HINT =
  'no process with this name is visible: the pod needs shareProcessNamespace: true, and the name must match /proc/<pid>/comm or the base name of argv[0]';
const DENIED_HINT = 'the kernel refused the signal: run vaultlet as the same user as the app, or give it the CAP_KILL capability';

/**
 * Sends the signal to every process with the configured name. A process that exits between the
 * scan and the kill counts as not found; one we may not signal makes the run a failure.
 */
export async function signalProcesses(action: SignalAction, procRoot: string, cancel: AbortSignal): Promise<ActionOutcome> {
  const timeout = AbortSignal.timeout(action.timeoutMs);
  let pids: number[];
  try {
    pids = await findProcessesByName(action.process, { procRoot, excludePids: new Set([process.pid]), signal: AbortSignal.any([timeout, cancel]) });
  } catch (error) {
    if (timeout.aborted) return { result: 'timeout', detail: { reason: 'scanning processes took too long' } };
    if (cancel.aborted) return { result: 'failure', detail: { reason: 'cancelled' } };
    return { result: 'failure', detail: { reason: `cannot list processes in ${procRoot}`, code: errorCode(error) } };
  }
  let sent = 0;
  let denied = 0;
  for (const pid of pids) {
    try {
      process.kill(pid, action.signal);
      sent++;
    } catch (error) {
      if (errorCode(error) !== 'ESRCH') denied++;
    }
  }
  if (denied > 0) return { result: 'failure', detail: { signal: action.signal, processes: sent, denied, hint: DENIED_HINT } };
  if (sent === 0) return { result: 'not_found', detail: { signal: action.signal, processes: 0, hint: NOT_VISIBLE_HINT } };
  return { result: 'success', detail: { signal: action.signal, processes: sent } };
}
