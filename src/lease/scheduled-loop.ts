import { AbortedError } from '../errors.js';
import type { Action, Decision } from './schedule.js';
import { newAlarm, type Timeline } from './timeline.js';

/**
 * The life of a worker that acts on a schedule: decide, sleep in the shared timeline until the
 * action is due, act with a signal of its own, decide again; woken early to decide again when
 * something it depends on changes; stopped for good by stop(). Subclasses say what to decide and
 * how to act (SecretWorker); nothing here is held per sleeping worker but its alarm.
 */
export abstract class ScheduledLoop {
  /** Set by stop(): the loop ends, for good. */
  protected stopped = false;
  /** Set while asleep: what to do when the alarm rings (true) or the worker is woken first (false). */
  private whenAwake: ((due: boolean) => void) | undefined;
  private readonly alarm = newAlarm(() => this.awake(true));
  /** The action the loop sleeps towards, and how it ends. */
  private nextAction: Action = 'refetch';
  private ended: ((error?: unknown) => void) | undefined;
  private endWaiters: Array<() => void> | undefined;
  /** The action under way, with a signal of its own: stop() aborts it. */
  private acting: AbortController | undefined;

  constructor(private readonly timeline: Timeline) {}

  protected abstract decide(): Decision;
  protected abstract act(action: Action, signal: AbortSignal): Promise<void>;
  /** Subscribes `decideAgain` to whatever can move the next action; returns the unsubscribe. */
  protected abstract listenForChanges(decideAgain: () => void): () => void;

  /**
   * Runs until stop() is called or `signal` (if given) aborts. While asleep it holds no
   * promise, timer, signal or listener of its own, only its alarm in the shared timeline (see
   * timeline.ts): an agent with ten thousand secrets stops them all with one listener of its own.
   */
  run(signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => this.start((error) => (error === undefined ? resolve() : reject(error)), signal));
  }

  /**
   * run() without a promise of its own, for a caller that keeps ten thousand workers: `onEnd` is
   * called once, when the worker has stopped, or with the error that ended it.
   */
  start(onEnd: (error?: unknown) => void, signal?: AbortSignal): void {
    const stop = () => this.stop();
    if (signal?.aborted) this.stop();
    signal?.addEventListener('abort', stop, { once: true });
    const unsubscribe = this.listenForChanges(this.decideAgain);
    this.ended = (error?: unknown) => {
      this.ended = undefined;
      unsubscribe();
      signal?.removeEventListener('abort', stop);
      onEnd(error);
      const waiters = this.endWaiters ?? [];
      this.endWaiters = undefined;
      for (const waiter of waiters) waiter();
    };
    this.decideNext();
  }

  /** Resolves once run() or start() has ended (at once when it is not running). */
  whenEnded(): Promise<void> {
    if (!this.ended) return Promise.resolve();
    return new Promise((resolve) => (this.endWaiters ??= []).push(resolve));
  }

  private readonly decideAgain = (): void => this.awake(false);

  /** run(): decides what to do next and sleeps until then, or ends once stopped. */
  private decideNext(): void {
    if (this.stopped) return this.ended?.();
    const decision = this.decide();
    this.nextAction = decision.action;
    this.sleepUntil(decision.at, this.actNext);
  }

  private readonly actNext = (due: boolean): void => {
    if (!due) return this.decideNext();
    this.step(this.nextAction).then(
      () => this.decideNext(),
      (error: unknown) => this.ended?.(error),
    );
  };

  /** Ends run() or writeOnce(): wakes the worker and aborts what it is doing. Final. */
  stop(): void {
    this.stopped = true;
    this.awake(false);
    this.acting?.abort();
  }

  protected sleepUntil(at: number, then: (due: boolean) => void): void {
    if (this.stopped) return then(false);
    this.whenAwake = then;
    this.timeline.set(this.alarm, at);
  }

  /** The alarm rang (`due`), or something woke the worker first: carry on, if it was asleep. */
  private awake(due: boolean): void {
    const then = this.whenAwake;
    if (!then) return;
    this.whenAwake = undefined;
    if (!due) this.timeline.clear(this.alarm);
    then(due);
  }

  /** One action with a signal of its own, aborted by stop() or by `outer`. */
  protected async step(action: Action, outer?: AbortSignal): Promise<void> {
    if (this.stopped) return;
    const controller = new AbortController();
    const abort = () => controller.abort();
    this.acting = controller;
    outer?.addEventListener('abort', abort, { once: true });
    try {
      await this.act(action, controller.signal);
    } catch (error) {
      if (!(error instanceof AbortedError)) throw error;
    } finally {
      this.acting = undefined;
      outer?.removeEventListener('abort', abort);
    }
  }
}
