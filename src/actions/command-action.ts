import { spawn, type ChildProcess } from 'node:child_process';
import type { ActionOutcome, CommandAction } from './action.js';
import { errorCode } from './error-code.js';

/** How long a command may take to exit after SIGTERM before its process group is killed. */
export const KILL_GRACE_MS = 2000;

/** Space-separated paths of the files whose change triggered the run. */
export const CHANGED_FILES_ENV = 'VAULTLET_CHANGED_FILES';

/**
 * Runs argv without a shell, in its own process group so that a timeout also stops whatever it
 * started (a shell script's `sleep`, say). Output is discarded, never logged: a reload script may
 * print the secret it just read. Only the exit code or signal is reported.
 */
export function runCommand(action: CommandAction, files: readonly string[], cancel: AbortSignal): Promise<ActionOutcome> {
  const [program, ...args] = action.argv;
  if (!program) return Promise.resolve({ result: 'failure', detail: { reason: 'empty command' } });
  let child: ChildProcess;
  try {
    child = spawn(program, args, {
      env: { ...process.env, [CHANGED_FILES_ENV]: files.join(' ') },
      stdio: 'ignore',
      detached: true,
      shell: false,
    });
  } catch (error) {
    return Promise.resolve({ result: 'failure', detail: { code: errorCode(error) } });
  }
  return supervise(child, action.timeoutMs, cancel);
}

function supervise(child: ChildProcess, timeoutMs: number, cancel: AbortSignal): Promise<ActionOutcome> {
  return new Promise((resolve) => {
    let stoppedBy: 'timeout' | 'cancel' | undefined;
    let killTimer: NodeJS.Timeout | undefined;
    let settled = false;
    const killGroup = (signal: NodeJS.Signals) => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, signal);
      } catch {
        // ESRCH: the whole group is already gone.
      }
    };
    const stop = (why: 'timeout' | 'cancel') => {
      if (stoppedBy || settled) return;
      stoppedBy = why;
      killGroup('SIGTERM');
      killTimer = setTimeout(() => killGroup('SIGKILL'), KILL_GRACE_MS);
    };
    const onCancel = () => stop('cancel');
    const timer = setTimeout(() => stop('timeout'), timeoutMs);
    const finish = (outcome: ActionOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(killTimer);
      cancel.removeEventListener('abort', onCancel);
      resolve(outcome);
    };
    if (cancel.aborted) stop('cancel');
    else cancel.addEventListener('abort', onCancel, { once: true });

    child.once('error', (error) => finish({ result: 'failure', detail: { code: errorCode(error) } }));
    child.once('exit', (code, signal) => {
      const exit: Record<string, string | number> = signal ? { signal } : { exitCode: code ?? -1 };
      if (stoppedBy === 'timeout') finish({ result: 'timeout', detail: exit });
      else if (stoppedBy === 'cancel') finish({ result: 'failure', detail: { reason: 'cancelled', ...exit } });
      else finish({ result: code === 0 ? 'success' : 'failure', detail: exit });
    });
  });
}
