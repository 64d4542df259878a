import { actionSchema } from '../config/schema-files.js';

/**
 * `vaultlet.io/on-change-<file>`: what to tell the app when the file changes, as one or more
 * actions separated by spaces or newlines:
 *
 * - `signal:<SIGNAL>:<process>` sends SIGNAL (SIGHUP, SIGUSR1, …) to every process of that name
 *   (its comm or argv[0] base name). The agent must see the app's processes, so the pod needs
 *   `shareProcessNamespace: true`, and the agent must run as the app's user
 *   (`vaultlet.io/run-as-same: "true"`): it has no capabilities.
 * - `http://127.0.0.1:<port>/<path>` (or https, localhost, [::1]) is POSTed to: a reload
 *   endpoint of the app in the same pod.
 *
 * Commands are not offered: they would run in the agent's image, which has none of the app's
 * tools. The values are checked by the agent's own config parser (signal names, loopback-only
 * URLs), so a pod is refused exactly when the agent would refuse the config.
 */

export type OnChangeRequest = { signal: string; process: string } | { http: string };

/** The signal names the agent's schema accepts, read from it so the two cannot disagree. */
const SIGNALS: readonly string[] = actionSchema.options[0].shape.signal.options;

const SYNTAX = 'each action must be signal:<SIGNAL>:<process> or an http://127.0.0.1:<port>/<path> URL, separated by spaces';

/** Actions in the order written, and problems without the annotation name. */
export function parseOnChange(value: string): { actions: OnChangeRequest[]; problems: string[] } {
  const words = value.split(/\s+/).filter((word) => word !== '');
  if (words.length === 0) return { actions: [], problems: [`must name at least one action (${SYNTAX})`] };
  const actions: OnChangeRequest[] = [];
  const problems: string[] = [];
  words.forEach((word, index) => {
    const action = parseAction(word);
    if (typeof action === 'string') problems.push(`action ${index + 1}: ${action}`);
    else actions.push(action);
  });
  return { actions, problems };
}

function parseAction(word: string): OnChangeRequest | string {
  if (word.startsWith('signal:')) {
    const [, signal = '', ...rest] = word.split(':');
    const process = rest.join(':');
    if (!SIGNALS.includes(signal)) return `the signal must be one of ${SIGNALS.join(', ')} (got ${JSON.stringify(signal.slice(0, 20))})`;
    if (process === '') return 'signal:<SIGNAL>:<process> needs the process name after the signal';
    return { signal, process };
  }
  // The URL is left to the agent's parser; it is not echoed, as it might carry credentials.
  if (/^https?:\/\//i.test(word)) return { http: word };
  return SYNTAX;
}
