export { actionKey, actionLabel } from './action.js';
export type { ActionMetrics, ActionOutcome, ActionResult, CommandAction, HttpAction, OnChangeAction, SignalAction } from './action.js';
export { ActionRunner, type ActionRunnerOptions } from './action-runner.js';
