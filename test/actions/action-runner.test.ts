import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'mocha';
import type { ActionMetrics, ActionResult, HttpAction } from '../../src/actions/action.js';
import { ActionRunner } from '../../src/actions/action-runner.js';
import { capturedLogger, eventually, makeTempDir, sleep } from '../watch/helpers.js';

const DEBOUNCE_MS = 100;

class RecordingMetrics implements ActionMetrics {
  readonly calls: Array<{ action: string; result: ActionResult; seconds: number }> = [];
  actionRan(action: string, result: ActionResult, seconds: number): void {
    this.calls.push({ action, result, seconds });
  }
}

/** A reload endpoint that records each call's files and can be told to answer slowly. */
class ReloadEndpoint {
  readonly calls: Array<{ files: string[]; at: number }> = [];
  inFlight = 0;
  maxInFlight = 0;
  delayMs = 0;
  private server!: Server;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk) => (body += chunk));
      request.on('end', () => {
        this.inFlight++;
        this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
        this.calls.push({ files: (JSON.parse(body) as { files: string[] }).files, at: Date.now() });
        setTimeout(() => {
          this.inFlight--;
          response.writeHead(200).end('{"reloaded":"with password hunter2"}');
        }, this.delayMs);
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/-/reload?token=s3cr3t`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

describe('ActionRunner', () => {
  let endpoint: ReloadEndpoint;
  let metrics: RecordingMetrics;
  let log: ReturnType<typeof capturedLogger>;
  let runner: ActionRunner;
  let hook: HttpAction;

  beforeEach(async () => {
    endpoint = new ReloadEndpoint();
    await endpoint.start();
    metrics = new RecordingMetrics();
    log = capturedLogger();
    runner = new ActionRunner({ logger: log.logger, metrics, debounceMs: DEBOUNCE_MS });
    hook = { kind: 'http', url: endpoint.url, method: 'POST', timeoutMs: 2000 };
  });
  afterEach(async () => {
    await runner.close(AbortSignal.timeout(100));
    await endpoint.stop();
  });

  it('runs an action once for three files changed within the quiet period, listing all three', async () => {
    runner.changed('/out/c.pem', [hook]);
    await sleep(20);
    runner.changed('/out/a.pem', [hook]);
    await sleep(20);
    runner.changed('/out/b.pem', [{ ...hook }]);
    await eventually('the reload call', () => metrics.calls.length === 1);
    await sleep(DEBOUNCE_MS * 3);
    assert.equal(endpoint.calls.length, 1);
    assert.deepEqual(endpoint.calls[0]!.files, ['/out/a.pem', '/out/b.pem', '/out/c.pem']);
    assert.equal(metrics.calls[0]!.action, 'http:127.0.0.1:' + new URL(endpoint.url).port + '/-/reload');
    assert.equal(metrics.calls[0]!.result, 'success');
    assert.ok(metrics.calls[0]!.seconds >= 0 && metrics.calls[0]!.seconds < 2);
  });

  it('logs each run at info with label, files, result and duration, but no query, token or response body', async () => {
    runner.changed('/out/db.env', [hook]);
    await eventually('the run', () => metrics.calls.length === 1);
    const line = JSON.parse(log.text().trim().split('\n').at(-1)!) as Record<string, unknown>;
    assert.equal(line.level, 'info');
    assert.equal(line.action, metrics.calls[0]!.action);
    assert.deepEqual(line.files, ['/out/db.env']);
    assert.equal(line.result, 'success');
    assert.equal(line.status, 200);
    assert.equal(typeof line.durationMs, 'number');
    assert.doesNotMatch(log.text(), /s3cr3t|hunter2|token=/);
  });

  it('waits for quiet, but never longer than five quiet periods under a constant stream', async () => {
    const firstChange = Date.now();
    const stream = setInterval(() => runner.changed(`/out/${Date.now()}`, [hook]), DEBOUNCE_MS / 4);
    try {
      await eventually('a run during the stream', () => endpoint.calls.length > 0, DEBOUNCE_MS * 20);
    } finally {
      clearInterval(stream);
    }
    const waited = endpoint.calls[0]!.at - firstChange;
    assert.ok(waited >= DEBOUNCE_MS * 4 && waited < DEBOUNCE_MS * 10, `first run after ${waited} ms`);
  });

  it('never runs an action concurrently with itself, and runs once more for changes made during a run', async () => {
    endpoint.delayMs = 800;
    runner.changed('/out/first', [hook]);
    await eventually('the first call', () => endpoint.calls.length === 1);
    runner.changed('/out/second', [hook]);
    await sleep(DEBOUNCE_MS * 2);
    runner.changed('/out/third', [hook]);
    await eventually('the second run', () => metrics.calls.length === 2, 3000);
    await sleep(DEBOUNCE_MS * 3);
    assert.equal(endpoint.maxInFlight, 1);
    assert.deepEqual(endpoint.calls.map((call) => call.files), [['/out/first'], ['/out/second', '/out/third']]);
  });

  it('keeps different actions independent', async () => {
    const other: HttpAction = { ...hook, url: endpoint.url.replace('/-/reload', '/other') };
    runner.changed('/out/a', [hook, other]);
    runner.changed('/out/b', [other]);
    await eventually('both runs', () => metrics.calls.length === 2);
    const byFiles = endpoint.calls.map((call) => call.files.join(',')).sort();
    assert.deepEqual(byFiles, ['/out/a', '/out/a,/out/b']);
  });

  it('reports not_found at warn, mentioning shareProcessNamespace, for a process name that matches nothing', async () => {
    const name = `absent-${randomBytes(6).toString('hex')}`;
    runner.changed('/out/tls.crt', [{ kind: 'signal', process: name, signal: 'SIGHUP', timeoutMs: 1000 }]);
    await eventually('the run', () => metrics.calls.length === 1);
    assert.deepEqual(metrics.calls.map(({ action, result }) => ({ action, result })), [{ action: `signal:${name}`, result: 'not_found' }]);
    const line = JSON.parse(log.text().trim().split('\n').at(-1)!) as Record<string, unknown>;
    assert.equal(line.level, 'warn');
    assert.match(String(line.hint), /shareProcessNamespace/);
  });

  describe('with commands', () => {
    let dir: string;
    beforeEach(async () => {
      dir = await makeTempDir('actions-runner');
    });
    afterEach(() => fs.rm(dir, { recursive: true, force: true }));

    it('runs a real command that sees the changed files, and never logs its output', async () => {
      const out = path.join(dir, 'seen');
      const command = { kind: 'command' as const, argv: ['/bin/sh', '-c', `echo password=hunter2; echo token=s3cr3t >&2; printf '%s' "$VAULTLET_CHANGED_FILES" > '${out}'`], timeoutMs: 2000 };
      runner.changed('/out/b.env', [command]);
      runner.changed('/out/a.env', [command]);
      await eventually('the run', () => metrics.calls.length === 1);
      assert.equal(await fs.readFile(out, 'utf8'), '/out/a.env /out/b.env');
      assert.equal(metrics.calls[0]!.action, 'command:sh');
      assert.equal(metrics.calls[0]!.result, 'success');
      assert.doesNotMatch(log.text(), /hunter2|s3cr3t/);
    });

    it('records a timeout when the command sleeps past it', async () => {
      runner.changed('/out/a', [{ kind: 'command', argv: ['sleep', '30'], timeoutMs: 100 }]);
      await eventually('the run', () => metrics.calls.length === 1);
      assert.deepEqual(metrics.calls.map(({ action, result }) => ({ action, result })), [{ action: 'command:sleep', result: 'timeout' }]);
    });
  });

  describe('close()', () => {
    it('cancels pending runs, ignores later changes, and is safe to call twice', async () => {
      runner.changed('/out/a', [hook]);
      await Promise.all([runner.close(), runner.close()]);
      await runner.close();
      runner.changed('/out/b', [hook]);
      await sleep(DEBOUNCE_MS * 3);
      assert.equal(endpoint.calls.length, 0);
      assert.deepEqual(metrics.calls, []);
    });

    it('waits for a running action to finish', async () => {
      endpoint.delayMs = 200;
      runner.changed('/out/a', [hook]);
      await eventually('the call', () => endpoint.calls.length === 1);
      await runner.close();
      assert.deepEqual(metrics.calls.map((call) => call.result), ['success']);
    });

    it('cancels a running action when its deadline passes', async () => {
      endpoint.delayMs = 5000;
      runner.changed('/out/a', [hook]);
      await eventually('the call', () => endpoint.calls.length === 1);
      const started = Date.now();
      await runner.close(AbortSignal.timeout(100));
      assert.ok(Date.now() - started < 1000, `close took ${Date.now() - started} ms`);
      assert.deepEqual(metrics.calls.map((call) => call.result), ['failure']);
    });
  });
});
