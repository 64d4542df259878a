import type { Logger } from '../log.js';
import { actionKey, actionLabel, type ActionMetrics, type ActionOutcome, type OnChangeAction } from './action.js';
import { errorCode } from './error-code.js';
import { runAction } from './run-action.js';

export interface ActionRunnerOptions {
  readonly logger: Logger;
  readonly metrics: ActionMetrics;
  /** Quiet period after the last change before an action runs. Default 1000. */
  readonly debounceMs?: number;
  /** Where procfs is mounted. Default /proc. */
  readonly procRoot?: string;
}

/** Under a constant stream of changes an action still runs at least this many quiet periods apart. */
const MAX_WAIT_PERIODS = 5;

/** One action identity: the files waiting for its next run, its timer, and its current run. */
interface Slot {
  action: OnChangeAction;
  readonly label: string;
  files: Set<string>;
  burstStartedAt: number | undefined;
  timer: NodeJS.Timeout | undefined;
  running: Promise<void> | undefined;
  /** The timer fired while a run was in progress: run again as soon as it ends. */
  due: boolean;
}

/**
 * Runs on-change actions, debounced per action identity (kind + target): trailing edge after
 * `debounceMs` of quiet, but no later than 5 × debounceMs after the first change of a burst.
 * An action never runs concurrently with itself; changes during a run lead to one more run.
 */
export class ActionRunner {
  private readonly slots = new Map<string, Slot>();
  private readonly cancel = new AbortController();
  private readonly debounceMs: number;
  private readonly procRoot: string;
  private closing: Promise<void> | undefined;

  constructor(private readonly options: ActionRunnerOptions) {
    this.debounceMs = options.debounceMs ?? 1000;
    if (!Number.isFinite(this.debounceMs) || this.debounceMs < 0) {
      throw new RangeError(`debounceMs must be a finite number >= 0, got ${this.debounceMs}`);
    }
    this.procRoot = options.procRoot ?? '/proc';
  }

  /** A file changed: run each of its actions after the quiet period. Ignored once closing. */
  changed(file: string, actions: readonly OnChangeAction[]): void {
    if (this.closing) return;
    const now = Date.now();
    for (const action of actions) {
      const key = actionKey(action);
      let slot = this.slots.get(key);
      if (!slot) {
        slot = { action, label: actionLabel(action), files: new Set(), burstStartedAt: undefined, timer: undefined, running: undefined, due: false };
        this.slots.set(key, slot);
      }
      slot.action = action;
      slot.files.add(file);
      slot.burstStartedAt ??= now;
      this.arm(key, slot, now);
    }
  }

  /**
   * Drops pending runs, waits for running ones until `signal` fires, then cancels those (HTTP
   * aborted, commands terminated) and waits for them to settle. Safe to call twice.
   */
  close(signal?: AbortSignal): Promise<void> {
    this.closing ??= this.closeNow(signal);
    return this.closing;
  }

  private async closeNow(signal: AbortSignal | undefined): Promise<void> {
    const dropped: string[] = [];
    for (const slot of this.slots.values()) {
      clearTimeout(slot.timer);
      slot.timer = undefined;
      slot.due = false;
      if (slot.files.size > 0) dropped.push(slot.label);
      slot.files.clear();
    }
    if (dropped.length > 0) this.options.logger.info({ actions: dropped }, 'on-change actions dropped at shutdown');
    const running = [...this.slots.values()].flatMap((slot) => (slot.running ? [slot.running] : []));
    if (running.length === 0) return;
    const all = Promise.all(running);
    if (signal && !signal.aborted) {
      let onAbort!: () => void;
      const aborted = new Promise<void>((resolve) => {
        onAbort = () => resolve();
        signal.addEventListener('abort', onAbort, { once: true });
      });
      await Promise.race([all, aborted]);
      signal.removeEventListener('abort', onAbort);
    }
    if (signal?.aborted) this.cancel.abort();
    await all;
  }

  private arm(key: string, slot: Slot, now: number): void {
    clearTimeout(slot.timer);
    const latest = (slot.burstStartedAt ?? now) + MAX_WAIT_PERIODS * this.debounceMs;
    const delay = Math.max(0, Math.min(this.debounceMs, latest - now));
    slot.timer = setTimeout(() => {
      slot.timer = undefined;
      if (slot.running) slot.due = true;
      else this.start(key, slot);
    }, delay);
  }

  private start(key: string, slot: Slot): void {
    // This run takes every pending file, so a timer armed for some of them has nothing left to do.
    clearTimeout(slot.timer);
    slot.timer = undefined;
    slot.due = false;
    const files = [...slot.files].sort();
    slot.files = new Set();
    slot.burstStartedAt = undefined;
    slot.running = this.execute(slot.action, slot.label, files).finally(() => {
      slot.running = undefined;
      if (slot.due && slot.files.size > 0 && !this.closing) {
        this.start(key, slot);
      } else if (!slot.timer && slot.files.size === 0) {
        this.slots.delete(key);
      }
    });
  }

  private async execute(action: OnChangeAction, label: string, files: readonly string[]): Promise<void> {
    const started = performance.now();
    let outcome: ActionOutcome;
    try {
      outcome = await runAction(action, files, this.procRoot, this.cancel.signal);
    } catch (error) {
      outcome = { result: 'failure', detail: { code: errorCode(error) } };
    }
    const seconds = (performance.now() - started) / 1000;
    this.options.metrics.actionRan(label, outcome.result, seconds);
    const fields = { action: label, files, result: outcome.result, durationMs: Math.round(seconds * 1000), ...outcome.detail };
    if (outcome.result === 'success') this.options.logger.info(fields, 'on-change action succeeded');
    else this.options.logger.warn(fields, `on-change action ${outcome.result === 'not_found' ? 'found no process' : outcome.result === 'timeout' ? 'timed out' : 'failed'}`);
  }
}
