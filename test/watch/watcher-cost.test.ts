import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, beforeEach, describe, it } from 'mocha';
import { makeTempDir, sleep } from './helpers.js';

/** Files beside the watched ones, and how long another process churns its own among them. */
const NEIGHBOURS = 3000;
const CHURN_MS = 1500;

/**
 * A watcher in its own process, so its CPU time is its own: `kind` is "credential" (the token
 * file's directory) or "output" (the output directory, owning `owned`).
 */
function watcherProcess(kind: 'credential' | 'output', dir: string, owned: readonly string[]): ChildProcess {
  const url = (file: string) => new URL(`../../src/${file}`, import.meta.url).href;
  const code = `
    const { silentLogger } = await import(${JSON.stringify(url('log.js'))});
    const { CredentialWatcher } = await import(${JSON.stringify(url('watch/credential-watcher.js'))});
    const { OutputWatcher } = await import(${JSON.stringify(url('watch/output-watcher.js'))});
    const dir = ${JSON.stringify(dir)};
    const owned = new Set(${JSON.stringify(owned)});
    const watcher = ${JSON.stringify(kind)} === 'credential'
      ? new CredentialWatcher({ file: dir + '/token', onChange: () => console.log('changed'), logger: silentLogger() })
      : new OutputWatcher({ directory: dir, files: () => owned, onTampered: (file) => console.log('tampered ' + file), logger: silentLogger() });
    await watcher.start();
    let from;
    process.stdin.setEncoding('utf8');
    process.stdin.on('data', (line) => {
      if (line.startsWith('start')) { from = process.cpuUsage(); console.log('started'); }
      else { const used = process.cpuUsage(from); console.log('cpu ' + (used.user + used.system)); watcher.close(); process.exit(0); }
    });
    console.log('ready');`;
  return spawn(process.execPath, ['--input-type=module', '-e', code], { stdio: ['pipe', 'pipe', 'inherit'] });
}

/** Sends `command` and waits for the child's answer line starting with `prefix`. */
async function ask(child: ChildProcess, lines: AsyncIterator<string>, command: string | undefined, prefix: string): Promise<string> {
  if (command) child.stdin!.write(`${command}\n`);
  for (;;) {
    const { value, done } = await lines.next();
    if (done) throw new Error(`watcher process ended before "${prefix}"`);
    if (value.startsWith(prefix)) return value;
  }
}

/** Another process's files coming and going beside ours: write, rename over, delete. */
async function churn(dir: string, forMs: number): Promise<number> {
  const until = Date.now() + forMs;
  let operations = 0;
  for (let i = 0; Date.now() < until; i++) {
    const name = path.join(dir, `app-cache-${i % 20}`);
    await fs.writeFile(`${name}.tmp`, `v${i}`);
    await fs.rename(`${name}.tmp`, name);
    await fs.unlink(name);
    operations += 3;
    if (i % 10 === 9) await sleep(1);
  }
  return operations;
}

describe('watcher cost under unrelated activity', function () {
  this.timeout(60_000);
  let dir: string;
  let child: ChildProcess | undefined;

  beforeEach(async () => {
    dir = await makeTempDir('watch-cost');
    for (let start = 0; start < NEIGHBOURS; start += 500) {
      await Promise.all(Array.from({ length: 500 }, (_, i) => fs.writeFile(path.join(dir, `neighbour-${start + i}`), 'x')));
    }
    await fs.writeFile(path.join(dir, 'token'), 'eyJ-token');
    await fs.writeFile(path.join(dir, 'db.json'), '{}');
  });
  afterEach(async () => {
    child?.kill('SIGKILL');
    child = undefined;
    await fs.rm(dir, { recursive: true, force: true });
  });

  for (const kind of ['credential', 'output'] as const) {
    it(`${kind} watcher: CPU stays a small fraction of the time another process churns ${NEIGHBOURS.toLocaleString('en')} files beside its own`, async () => {
      child = watcherProcess(kind, dir, ['db.json']);
      const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
      await ask(child, lines, undefined, 'ready');
      await ask(child, lines, 'start', 'started');
      const started = Date.now();
      const operations = await churn(dir, CHURN_MS);
      await sleep(300); // let the last events arrive
      const wallMs = Date.now() - started;
      const cpuMs = Number((await ask(child, lines, 'stop', 'cpu ')).slice(4)) / 1000;
      await once(child, 'exit');
      // A watcher that re-reads the directory on events spends most of a core doing it; one
      // that looks only at the names in its events spends a few microseconds per event.
      assert.ok(cpuMs < 0.2 * wallMs, `${kind} watcher used ${cpuMs.toFixed(0)} ms of CPU in ${wallMs} ms while ${operations} unrelated file operations happened`);
    });
  }
});
