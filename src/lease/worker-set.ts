import type { SecretConfig } from '../config/index.js';
import { ConcurrencyLimit } from '../util/concurrency-limit.js';
import type { SecretWorker } from './secret-worker.js';

/**
 * How many secrets make their first attempt (adopting a saved lease, or the first fetch and
 * write) at once. Twice the connections for secrets (vault/transport.ts): while half wait for
 * Vault the other half render and write. Ten thousand at once would hold ten thousand requests,
 * responses and renders in memory together for no gain in speed.
 */
export const FIRST_ATTEMPTS = 32;

/**
 * The secret workers by name. A reload keeps the worker (and so the lease) of every secret whose
 * Vault read is unchanged; only new or changed secrets get a worker, only removed or changed
 * ones lose theirs.
 */
export class WorkerSet {
  private readonly byName = new Map<string, { identity: string; worker: SecretWorker }>();
  private readonly firstAttempts = new ConcurrencyLimit(FIRST_ATTEMPTS);
  /** Signals this set stops its workers on: one listener each, whatever the number of workers. */
  private readonly stoppingOn = new WeakSet<AbortSignal>();
  /** Workers started and not yet ended; settled() waits for none to be left. */
  private live = 0;
  private readonly idleWaiters: Array<() => void> = [];
  /** First attempts not yet done: stop() waits for them too. Short-lived, one per starting worker. */
  private readonly admitting = new Map<SecretWorker, Promise<void>>();

  constructor(private readonly make: (config: SecretConfig) => SecretWorker) {}

  get workers(): SecretWorker[] {
    return [...this.byName.values()].map((entry) => entry.worker);
  }

  get(name: string): SecretWorker | undefined {
    return this.byName.get(name)?.worker;
  }

  /** Brings the set in line with `secrets`; the caller runs `added` and stops `removed`. */
  configure(secrets: readonly SecretConfig[]): { added: SecretWorker[]; removed: SecretWorker[] } {
    const wanted = new Map(secrets.map((config) => [config.name, config]));
    const removed: SecretWorker[] = [];
    const added: SecretWorker[] = [];
    for (const [name, entry] of this.byName) {
      const config = wanted.get(name);
      if (config && identityOf(config) === entry.identity) continue;
      removed.push(entry.worker);
      this.byName.delete(name);
    }
    for (const config of secrets) {
      if (this.byName.has(config.name)) continue;
      const worker = this.make(config);
      this.byName.set(config.name, { identity: identityOf(config), worker });
      added.push(worker);
    }
    return { added, removed };
  }

  /**
   * Runs the worker (after `prelude`, e.g. adopting a saved lease) until it is stopped or `signal`
   * aborts, holding no promise per worker once it runs (see SecretWorker.start()): settled() and
   * stop() wait for ends. A worker can only end with an error through a bug; without `onEnd`
   * that fails as loudly as an unhandled rejection.
   */
  start(worker: SecretWorker, signal: AbortSignal, prelude?: (signal: AbortSignal) => Promise<unknown>, onEnd?: (error?: unknown) => void): void {
    if (this.byName.get(worker.name)?.worker !== worker) return onEnd?.();
    this.stopAllOn(signal);
    this.live++;
    const admitted = this.admit(worker, signal, prelude).then(() => {
      this.admitting.delete(worker);
      worker.start((error) => {
        if (--this.live === 0) for (const waiter of this.idleWaiters.splice(0)) waiter();
        if (onEnd) onEnd(error);
        else if (error !== undefined) {
          queueMicrotask(() => {
            throw error;
          });
        }
      });
    });
    this.admitting.set(worker, admitted);
  }

  /** start(), settling when the worker has ended (rejecting with the error that ended it). */
  run(worker: SecretWorker, signal: AbortSignal, prelude?: (signal: AbortSignal) => Promise<unknown>): Promise<void> {
    return new Promise((resolve, reject) => this.start(worker, signal, prelude, (error) => (error === undefined ? resolve() : reject(error))));
  }

  /**
   * The worker's first attempt (after `prelude`), paced with every other worker's: at most
   * FIRST_ATTEMPTS at a time, the rest waiting in line without a timer or listener each. What
   * fails here is retried on the worker's own schedule.
   */
  async admit(worker: SecretWorker, signal: AbortSignal, prelude?: (signal: AbortSignal) => Promise<unknown>): Promise<void> {
    await this.firstAttempts.run(async () => {
      if (signal.aborted) return;
      await prelude?.(signal).catch(() => false);
      await worker.attemptFirst(signal).catch(() => {});
    });
  }

  private stopAllOn(signal: AbortSignal): void {
    if (this.stoppingOn.has(signal)) return;
    this.stoppingOn.add(signal);
    const stopAll = () => {
      for (const { worker } of this.byName.values()) worker.stop();
    };
    if (signal.aborted) stopAll();
    else signal.addEventListener('abort', stopAll, { once: true });
  }

  /** Resolves once every worker started has ended (after the signal they run on aborted). */
  settled(): Promise<void> {
    if (this.live === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops a worker's timers and waits for its current request to end. */
  async stop(worker: SecretWorker): Promise<void> {
    worker.stop();
    await this.admitting.get(worker);
    await worker.whenEnded();
  }
}

/**
 * What makes two configs the same Vault read; the file layout is the FileSet's business. Keys
 * are sorted, so reordering a secret's `params` in the YAML does not count as a change.
 */
function identityOf(config: SecretConfig): string {
  return JSON.stringify(config, (_key, value: unknown) =>
    value && typeof value === 'object' && !Array.isArray(value) ? Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : value,
  );
}
