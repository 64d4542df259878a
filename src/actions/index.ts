export { actionKey, actionLabel } from './action.js';
export type { ActionMetrics, ActionOutcome, ActionResult, CommandAction, HttpAction, OnChangeAction, SignalAction } from './action.js';
export { ActionRunner, type ActionRunnerOptions } from './action-runner.js';
export { CHANGED_FILES_ENV, KILL_GRACE_MS } from './command-action.js';
