import type { ActionOutcome, OnChangeAction } from './action.js';
import { callHttpHook } from './http-action.js';
import { signalProcesses } from './signal-action.js';

/** One run of one action; each kind enforces its own timeoutMs. Never rejects. */
export async function runAction(action: OnChangeAction, files: readonly string[], procRoot: string, cancel: AbortSignal): Promise<ActionOutcome> {
  switch (action.kind) {
    case 'signal':
      return signalProcesses(action, procRoot, cancel);
    case 'http':
      return callHttpHook(action, files, cancel);
    case 'command': {
      // node:child_process (and the modules it loads) only for agents that run commands.
      const { runCommand } = await import('./command-action.js');
      return runCommand(action, files, cancel);
    }
  }
}
