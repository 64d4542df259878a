import assert from 'node:assert/strict';
import type { SecretConfig } from '../../src/config/index.js';
import type { SecretWorker } from '../../src/lease/secret-worker.js';
import { WorkerSet } from '../../src/lease/worker-set.js';

/** Stands in for a SecretWorker: runs until stopped, then takes `endMs` to finish its request. */
class FakeWorker {
  runs = 0;
  stopped = false;
  finished = false;
  private readonly stopping = new AbortController();
  constructor(
    readonly name: string,
    readonly config: SecretConfig,
    private readonly endMs = 0,
    private readonly failWith?: Error,
  ) {}
  stop(): void {
    this.stopped = true;
    this.stopping.abort();
  }
  async attemptFirst(): Promise<void> {}
  private ending: Promise<void> | undefined;
  start(onEnd: (error?: unknown) => void): void {
    this.ending = this.run().then(() => onEnd(), (error: unknown) => onEnd(error));
  }
  async whenEnded(): Promise<void> {
    await this.ending;
  }
  private async run(): Promise<void> {
    this.runs++;
    const signal = this.stopping.signal;
    if (!signal.aborted) await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
    await new Promise((resolve) => setTimeout(resolve, this.endMs));
    this.finished = true;
    if (this.failWith) throw this.failWith;
  }
}

const kv = (name: string, path = `app/${name}`): SecretConfig => ({ name, kind: 'kv2', mount: 'secret', path, refreshIntervalMs: 300_000 });
const db = (name: string): SecretConfig => ({ name, kind: 'leased', path: `database/creds/${name}`, method: 'GET' });
const names = (workers: SecretWorker[]) => workers.map((worker) => worker.name);
const fake = (worker: SecretWorker | undefined) => worker as unknown as FakeWorker;

describe('lease/WorkerSet', () => {
  let made: FakeWorker[];
  let endMs: number;
  let failWith: Error | undefined;
  let set: WorkerSet;

  beforeEach(() => {
    made = [];
    endMs = 0;
    failWith = undefined;
    set = new WorkerSet((config) => {
      const worker = new FakeWorker(config.name, config, endMs, failWith);
      made.push(worker);
      return worker as unknown as SecretWorker;
    });
  });

  it('makes a worker per secret at first', () => {
    const { added, removed } = set.configure([kv('a'), db('b')]);
    assert.deepEqual(names(added), ['a', 'b']);
    assert.deepEqual(removed, []);
    assert.deepEqual(names(set.workers), ['a', 'b']);
    assert.equal(fake(set.get('b')).config.kind, 'leased');
    assert.equal(set.get('c'), undefined);
  });

  it('keeps the worker of an unchanged secret and reports changed, removed and added ones', () => {
    set.configure([kv('same'), kv('changed'), db('removed')]);
    const same = set.get('same');
    const changed = set.get('changed');
    const removedWorker = set.get('removed');
    made.length = 0;

    const { added, removed } = set.configure([kv('changed', 'app/elsewhere'), kv('same'), kv('new')]);
    assert.equal(set.get('same'), same, 'an unchanged secret keeps its worker (and lease)');
    assert.deepEqual(names(removed), ['changed', 'removed']);
    assert.equal(removed[0], changed);
    assert.equal(removed[1], removedWorker);
    assert.deepEqual(names(added), ['changed', 'new']);
    assert.deepEqual(made.map((w) => w.name), ['changed', 'new'], 'workers are made only for new or changed secrets');
    assert.deepEqual(fake(set.get('changed')).config, kv('changed', 'app/elsewhere'));
    assert.equal(set.get('removed'), undefined);
    assert.deepEqual(names(set.workers).sort(), ['changed', 'new', 'same']);

    const again = set.configure([kv('changed', 'app/elsewhere'), kv('same'), kv('new')]);
    assert.deepEqual(again, { added: [], removed: [] }, 'the same config again changes nothing');
  });

  it('runs the prelude first, then the worker until it is stopped; stop() waits for the worker to end', async () => {
    endMs = 50;
    set.configure([kv('a'), kv('b')]);
    const [a, b] = [set.get('a')!, set.get('b')!];
    const outer = new AbortController();
    const order: string[] = [];
    const runA = set.run(a, outer.signal, async (signal) => {
      order.push(`prelude aborted=${signal.aborted}`);
    });
    const runB = set.run(b, outer.signal);
    await new Promise((resolve) => setImmediate(resolve));
    order.push(`run ${fake(a).runs}`);
    assert.deepEqual(order, ['prelude aborted=false', 'run 1']);

    const started = Date.now();
    await set.stop(a);
    assert.ok(fake(a).finished, 'stop() returned before the worker ended');
    assert.ok(Date.now() - started >= 40, 'stop() did not wait for the worker');
    await runA;
    assert.equal(fake(b).stopped, false, 'stopping one worker leaves the others running');

    outer.abort();
    await runB;
    assert.ok(fake(b).finished);
  });

  it('runs the worker even when the prelude fails', async () => {
    set.configure([kv('a')]);
    const worker = set.get('a')!;
    const done = set.run(worker, new AbortController().signal, async () => {
      throw new Error('adoption failed');
    });
    await new Promise((resolve) => setTimeout(resolve, 10));
    assert.equal(fake(worker).runs, 1);
    await set.stop(worker);
    await done;
  });

  it('stop() is quiet about a worker that failed or never ran, and run() ignores workers it does not hold', async () => {
    failWith = new Error('boom');
    set.configure([kv('a'), kv('idle')]);
    const failing = set.get('a')!;
    void set.run(failing, new AbortController().signal).catch(() => {});
    await set.stop(failing);
    await set.stop(set.get('idle')!);
    await set.stop(failing);

    const stranger = new FakeWorker('x', kv('x')) as unknown as SecretWorker;
    await set.run(stranger, new AbortController().signal);
    assert.equal(fake(stranger).runs, 0);
  });

  it('a removed worker is stopped without touching the kept ones', async () => {
    set.configure([kv('keep'), kv('drop')]);
    const outer = new AbortController();
    const runs = set.workers.map((worker) => set.run(worker, outer.signal));
    await new Promise((resolve) => setImmediate(resolve));
    const { removed } = set.configure([kv('keep')]);
    await Promise.all(removed.map((worker) => set.stop(worker)));
    assert.equal(fake(removed[0]).finished, true);
    assert.equal(fake(set.get('keep')).stopped, false);
    outer.abort();
    await Promise.all(runs);
  });
});
