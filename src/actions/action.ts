import path from 'node:path';

/**
 * What to do after a secret file changed, so the app picks up the new content. Options arrive
 * already resolved from config (camelCase, durations in ms).
 */
export type SignalAction = { readonly kind: 'signal'; readonly process: string; readonly signal: NodeJS.Signals; readonly timeoutMs: number };
export type HttpAction = {
  readonly kind: 'http';
  readonly url: string;
  readonly method: 'POST' | 'PUT';
  /** Sent as given; may carry credentials, so never logged. */
  readonly headers?: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
};
export type CommandAction = { readonly kind: 'command'; readonly argv: readonly string[]; readonly timeoutMs: number };
export type OnChangeAction = SignalAction | HttpAction | CommandAction;

/** `not_found`: no process with that name is visible (signal actions only). */
export type ActionResult = 'success' | 'failure' | 'timeout' | 'not_found';

export interface ActionMetrics {
  /** `action` is actionLabel(action): bounded, from config, free of query strings and secrets. */
  actionRan(action: string, result: ActionResult, seconds: number): void;
}

/** How one run ended, with value-free details for its log line (status, exit code, error code). */
export interface ActionOutcome {
  readonly result: ActionResult;
  readonly detail: Readonly<Record<string, string | number>>;
}

const MAX_LABEL_LENGTH = 80;

/**
 * A short name for logs and the metric label: "signal:nginx", "http:127.0.0.1:8080/-/reload",
 * "command:reload.sh". URLs lose user info, query and fragment (they may hold tokens); commands
 * keep only the program's base name (arguments may hold anything).
 */
export function actionLabel(action: OnChangeAction): string {
  return truncate(`${action.kind}:${labelTarget(action)}`);
}

function labelTarget(action: OnChangeAction): string {
  switch (action.kind) {
    case 'signal':
      return action.process;
    case 'http':
      try {
        const url = new URL(action.url);
        return `${url.host}${url.pathname}`;
      } catch {
        return 'invalid-url';
      }
    case 'command':
      return path.basename(action.argv[0] ?? '');
  }
}

function truncate(label: string): string {
  return label.length <= MAX_LABEL_LENGTH ? label : `${label.slice(0, MAX_LABEL_LENGTH - 1)}…`;
}

/**
 * Identity for debouncing: kind and full target. The same key from several files is one action,
 * so a burst that rewrites cert and key together reloads the app once.
 */
export function actionKey(action: OnChangeAction): string {
  switch (action.kind) {
    case 'signal':
      return JSON.stringify(['signal', action.process, action.signal]);
    case 'http':
      return JSON.stringify(['http', action.method, action.url]);
    case 'command':
      return JSON.stringify(['command', ...action.argv]);
  }
}
