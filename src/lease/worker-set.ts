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

interface Running {
  task?: Promise<void>;
}

/**
 * The secret workers by name. A reload keeps the worker (and so the lease) of every secret whose
 * Vault read is unchanged; only new or changed secrets get a worker, only removed or changed
 * ones lose theirs.
 */
export class WorkerSet {
  private readonly byName = new Map<string, { identity: string; worker: SecretWorker }>();
  private readonly running = new WeakMap<SecretWorker, Running>();
  private readonly firstAttempts = new ConcurrencyLimit(FIRST_ATTEMPTS);
  /** Signals this set stops its workers on: one listener each, whatever the number of workers. */
  private readonly stoppingOn = new WeakSet<AbortSignal>();

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
      this.running.set(worker, {});
      added.push(worker);
    }
    return { added, removed };
  }

  /** Runs the worker (after `prelude`, e.g. adopting a saved lease) until it is stopped or `signal` aborts. */
  run(worker: SecretWorker, signal: AbortSignal, prelude?: (signal: AbortSignal) => Promise<unknown>): Promise<void> {
    const running = this.running.get(worker);
    if (!running) return Promise.resolve();
    this.stopAllOn(signal);
    running.task = this.admit(worker, signal, prelude).then(() => worker.run());
    return running.task;
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

  /** Resolves once every worker of the set has ended (after the signal they run on aborted). */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.byName.values()].map(({ worker }) => this.running.get(worker)?.task));
  }

  /** Stops a worker's timers and waits for its current request to end. */
  async stop(worker: SecretWorker): Promise<void> {
    worker.stop();
    await this.running.get(worker)?.task?.catch(() => {});
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
