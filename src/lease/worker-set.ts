import type { SecretConfig } from '../config/index.js';
import type { SecretWorker } from './secret-worker.js';

interface Running {
  readonly controller: AbortController;
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
      this.running.set(worker, { controller: new AbortController() });
      added.push(worker);
    }
    return { added, removed };
  }

  /** Runs the worker (after `prelude`, e.g. adopting a saved lease) until it is stopped or `signal` aborts. */
  run(worker: SecretWorker, signal: AbortSignal, prelude?: (signal: AbortSignal) => Promise<unknown>): Promise<void> {
    const running = this.running.get(worker);
    if (!running) return Promise.resolve();
    const both = AbortSignal.any([signal, running.controller.signal]);
    running.task = (async () => {
      await prelude?.(both).catch(() => false);
      await worker.run(both);
    })();
    return running.task;
  }

  /** Stops a worker's timers and waits for its current request to end. */
  async stop(worker: SecretWorker): Promise<void> {
    const running = this.running.get(worker);
    running?.controller.abort();
    await running?.task?.catch(() => {});
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
