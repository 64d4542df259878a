import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'mocha';
import { silentLogger } from '../../src/log.js';
import { AtomicFileSink } from '../../src/render/atomic-file-sink.js';
import { OutputWatcher, type OutputWatcherOptions, type TamperKind } from '../../src/watch/output-watcher.js';
import { capturedLogger, eventually, makeTempDir, sleep } from './helpers.js';

/** Long enough for the 30 ms debounce used here to have reported anything. */
const QUIET_MS = 400;

describe('OutputWatcher', () => {
  let root: string;
  let dir: string;
  let owned: Set<string>;
  let reports: Array<[string, TamperKind]>;
  let watcher: OutputWatcher | undefined;

  const at = (name: string) => path.join(dir, name);
  async function startWatcher(extra: Partial<OutputWatcherOptions> = {}): Promise<OutputWatcher> {
    watcher = new OutputWatcher({
      directory: dir,
      files: () => owned,
      onTampered: (file, how) => reports.push([file, how]),
      logger: silentLogger(),
      debounceMs: 30,
      directoryRecheckMs: 50,
      ...extra,
    });
    await watcher.start();
    return watcher;
  }

  beforeEach(async () => {
    root = await makeTempDir('watch-out');
    dir = path.join(root, 'secrets');
    await fs.mkdir(dir);
    await fs.writeFile(at('db.json'), '{"password":"x"}');
    await fs.writeFile(at('api.env'), 'TOKEN=y\n');
    owned = new Set(['db.json', 'api.env']);
    reports = [];
  });
  afterEach(async () => {
    await watcher?.close();
    watcher = undefined;
    await fs.rm(root, { recursive: true, force: true });
  });

  it('reports an owned file that is deleted, once', async () => {
    await startWatcher();
    await fs.unlink(at('db.json'));
    await eventually('a report', () => reports.length > 0);
    await sleep(QUIET_MS);
    assert.deepEqual(reports, [['db.json', 'deleted']]);
  });

  it('reports an owned file rewritten in place as changed', async () => {
    await startWatcher();
    await fs.writeFile(at('api.env'), 'TOKEN=tampered\n');
    await eventually('a report', () => reports.length > 0);
    await sleep(QUIET_MS);
    assert.deepEqual(reports, [['api.env', 'changed']]);
  });

  it('ignores files it does not own and dotfiles, but keeps watching owned ones', async () => {
    await startWatcher();
    await fs.writeFile(at('other.txt'), 'a');
    await fs.writeFile(at('.hidden'), 'a');
    await fs.writeFile(at('other.txt'), 'b');
    await fs.unlink(at('other.txt'));
    await fs.unlink(at('.hidden'));
    await sleep(QUIET_MS);
    assert.deepEqual(reports, []);
    await fs.writeFile(at('db.json'), 'changed');
    await eventually('the owned file to be reported', () => reports.length > 0);
    assert.deepEqual(reports, [['db.json', 'changed']]);
  });

  it('reports a temp file renamed over an owned file (the sink pattern) at most once, as changed', async () => {
    await startWatcher();
    await fs.writeFile(at('.db.json.tmp-1'), 'new bytes', { mode: 0o400 });
    await fs.rename(at('.db.json.tmp-1'), at('db.json'));
    await sleep(QUIET_MS);
    assert.ok(reports.length <= 1, `expected at most one report, got ${JSON.stringify(reports)}`);
    for (const report of reports) assert.deepEqual(report, ['db.json', 'changed']);
  });

  it('sees at most one changed for a real AtomicFileSink write, and nothing for an unchanged one', async () => {
    const sink = new AtomicFileSink({ directory: dir, file: 'db.json', mode: 0o600 });
    await sink.write(Buffer.from('v1'));
    await startWatcher();
    await sink.write(Buffer.from('v2'));
    await sleep(QUIET_MS);
    assert.ok(reports.length <= 1, `expected at most one report, got ${JSON.stringify(reports)}`);
    reports.length = 0;
    assert.deepEqual(await sink.write(Buffer.from('v2')), { changed: false });
    await sleep(QUIET_MS);
    assert.deepEqual(reports, []);
  });

  it('coalesces a burst of writes to one file into one report', async () => {
    await startWatcher({ debounceMs: 150 });
    for (let i = 0; i < 5; i++) {
      await fs.writeFile(at('db.json'), `burst ${i}`);
      await sleep(20);
    }
    await eventually('a report', () => reports.length > 0);
    await sleep(QUIET_MS);
    assert.deepEqual(reports, [['db.json', 'changed']]);
  });

  it('follows files() as ownership changes at runtime', async () => {
    await fs.writeFile(at('later.pem'), 'cert');
    await startWatcher();
    owned = new Set(['db.json', 'later.pem']);
    await fs.writeFile(at('later.pem'), 'tampered');
    await eventually('the newly owned file to be reported', () => reports.length > 0);
    assert.deepEqual(reports, [['later.pem', 'changed']]);
    owned = new Set(['later.pem']);
    await fs.unlink(at('db.json'));
    await sleep(QUIET_MS);
    assert.deepEqual(reports, [['later.pem', 'changed']]);
  });

  it('reports a symlink put in place of an owned file as changed', async () => {
    await fs.writeFile(path.join(root, 'elsewhere'), 'x');
    await startWatcher();
    await fs.unlink(at('db.json'));
    await fs.symlink(path.join(root, 'elsewhere'), at('db.json'));
    await eventually('a report', () => reports.length > 0);
    await sleep(QUIET_MS);
    assert.deepEqual(reports.at(-1), ['db.json', 'changed']);
  });

  it('reports every owned file deleted when the directory is removed, and resumes when it returns', async () => {
    const { logger, text } = capturedLogger();
    await startWatcher({ logger });
    await fs.rm(dir, { recursive: true });
    await eventually('both files reported', () => reports.length >= 2);
    await sleep(QUIET_MS);
    assert.deepEqual(new Map(reports), new Map([['db.json', 'deleted'], ['api.env', 'deleted']]));
    assert.match(text(), /output directory is gone/);

    reports.length = 0;
    await fs.mkdir(dir);
    await fs.writeFile(at('api.env'), 'planted');
    await eventually('the returned directory to be reported', () => reports.length >= 2);
    await sleep(QUIET_MS);
    assert.deepEqual(new Map(reports), new Map([['db.json', 'deleted'], ['api.env', 'changed']]));
    assert.match(text(), /output directory is back/);

    reports.length = 0;
    await fs.unlink(at('api.env'));
    await eventually('the re-watched directory to report', () => reports.length > 0);
    assert.deepEqual(reports, [['api.env', 'deleted']]);
  });

  it('notices an empty directory being removed (nothing inside to report it)', async () => {
    await fs.rm(at('db.json'));
    await fs.rm(at('api.env'));
    await startWatcher();
    await fs.rmdir(dir);
    await eventually('both files reported', () => reports.length >= 2);
    assert.deepEqual(new Map(reports), new Map([['db.json', 'deleted'], ['api.env', 'deleted']]));
  });

  it('notices the directory being renamed away', async () => {
    await startWatcher();
    await fs.rename(dir, path.join(root, 'moved'));
    await eventually('both files reported', () => reports.length >= 2);
    assert.deepEqual(new Map(reports), new Map([['db.json', 'deleted'], ['api.env', 'deleted']]));
  });

  it('starts when the directory is missing and begins watching once it appears', async () => {
    await fs.rm(dir, { recursive: true });
    await startWatcher();
    await fs.mkdir(dir);
    await eventually('the owned files reported', () => reports.length >= 2);
    assert.deepEqual(new Map(reports), new Map([['db.json', 'deleted'], ['api.env', 'deleted']]));
  });

  it('can be closed twice, and reports nothing after close, not even a pending report', async () => {
    const w = await startWatcher({ debounceMs: 200 });
    await fs.writeFile(at('db.json'), 'pending');
    await sleep(80); // the event has arrived; its report is still debouncing
    await Promise.all([w.close(), w.close()]);
    await w.close();
    await fs.unlink(at('api.env'));
    await sleep(QUIET_MS);
    assert.deepEqual(reports, []);
  });

  it('closes when its signal aborts', async () => {
    const controller = new AbortController();
    await startWatcher({ signal: controller.signal });
    controller.abort();
    await sleep(20);
    await fs.unlink(at('db.json'));
    await sleep(QUIET_MS);
    assert.deepEqual(reports, []);
  });

  it('does not watch at all when the signal is already aborted', async () => {
    await startWatcher({ signal: AbortSignal.abort() });
    await fs.unlink(at('db.json'));
    await sleep(QUIET_MS);
    assert.deepEqual(reports, []);
  });

  it('logs a throwing callback instead of crashing, and keeps reporting', async () => {
    const { logger, text } = capturedLogger();
    let calls = 0;
    await startWatcher({
      logger,
      onTampered: () => {
        calls++;
        throw new Error('restore failed');
      },
    });
    await fs.unlink(at('db.json'));
    await eventually('the first call', () => calls === 1);
    await fs.unlink(at('api.env'));
    await eventually('the second call', () => calls === 2);
    assert.match(text(), /onTampered callback threw/);
  });

  it('does work per event, not per file in the directory: unrelated churn costs O(1) lookups each', async () => {
    // 2,000 owned files and an app churning its own files beside them. Rescanning the directory
    // on events (chokidar does, back to back while events keep coming) makes every unrelated
    // write cost a lookup per file there: quadratic at 10,000 secrets, and a spinning watcher.
    const lookups = { count: 0 };
    class CountingSet extends Set<string> {
      override has(name: string): boolean {
        lookups.count++;
        return super.has(name);
      }
    }
    const many = new CountingSet(['db.json', 'api.env']);
    await Promise.all(Array.from({ length: 2000 }, (_, i) => fs.writeFile(at(`owned-${i}.json`), 'x').then(() => many.add(`owned-${i}.json`))));
    await startWatcher({ files: () => many });
    lookups.count = 0;
    const operations = 300;
    for (let i = 0; i < operations / 3; i++) {
      await fs.writeFile(at(`app-cache-${i % 10}.tmp`), `v${i}`);
      await fs.rename(at(`app-cache-${i % 10}.tmp`), at(`app-cache-${i % 10}`));
      await fs.unlink(at(`app-cache-${i % 10}`));
    }
    await sleep(QUIET_MS);
    assert.deepEqual(reports, []);
    assert.ok(lookups.count <= 4 * operations, `${lookups.count} ownership lookups for ${operations} unrelated operations beside 2,002 owned files`);
  });

  it('rejects a negative debounce', () => {
    assert.throws(
      () => new OutputWatcher({ directory: dir, files: () => owned, onTampered: () => {}, logger: silentLogger(), debounceMs: -1 }),
      RangeError,
    );
  });
});
