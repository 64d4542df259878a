import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { AgentProcess, sample } from '../support/agent-process.js';
import { startHookListener, type HookListener } from '../support/hook-listener.js';
import { putKv2 } from '../support/kv-secret.js';
import { startNamedProcess, type NamedProcess } from '../support/named-process.js';
import { forEachBackend } from '../support/vault-backend.js';
import { startVaultFixture, type VaultFixture } from '../support/vault-fixture.js';

const DEBOUNCE_MS = 300;

forEachBackend('on-change actions observed by real processes and listeners (real agent process)', function (backend) {
  this.timeout(60_000);
  let vault: VaultFixture;
  let agent: AgentProcess | undefined;
  let app: NamedProcess | undefined;
  let hook: HookListener | undefined;

  beforeEach(async () => {
    vault = await startVaultFixture({ backend, dbDefaultTtl: '3s', dbMaxTtl: '6s' });
  });
  afterEach(async function () {
    if (agent && this.currentTest?.state === 'failed') console.log(agent.describe());
    await agent?.stop('SIGKILL');
    await app?.stop();
    await hook?.close();
    agent = app = hook = undefined;
    await vault.close();
  });

  async function startAgent(secrets: Array<Record<string, unknown>>, extra: Record<string, unknown> = {}): Promise<AgentProcess> {
    const config = await vault.writeConfig(vault.config(secrets, { actions: { debounce: `${DEBOUNCE_MS}ms` }, ...extra }));
    agent = AgentProcess.start(['run', '--config', config]);
    await agent.waitReady();
    return agent;
  }
  const path = (file: string) => join(vault.secretsDir, file);
  const runs = async (labels: Record<string, string>) => sample(await agent!.metrics(), 'vaultlet_action_runs_total', labels) ?? 0;
  /** A new KV version, picked up at the next 1 s refresh: a change of every file drawn from it. */
  const rotateKv = () => putKv2(vault.backend, 'demo/config', { api_key: 'rotated-kv-value', api_url: 'https://api.example.internal' });
  const kv = (extra: Record<string, unknown>) => ({ name: 'app-config', kind: 'kv2', path: 'demo/config', refresh_interval: '1s', ...extra });

  it('signal: sends SIGHUP to the app process found by name when its lease rotates, not at the first write', async () => {
    app = await startNamedProcess(vault.base);
    const hup = { signal: 'SIGHUP', process: app.name };
    await startAgent([{ name: 'db', kind: 'leased', path: 'database/creds/demo', file: 'db.json', on_change: [hup] }], {
      templates: [{ file: 'db.url', secrets: ['db'], template: 'postgres://{{data.username}}@db/app', on_change: [hup] }],
    });
    const first = JSON.parse(await readFile(path('db.json'), 'utf8')).username as string;
    // A fresh file: no earlier version the app could hold, so nothing to tell it.
    await sleep(DEBOUNCE_MS + 700);
    assert.equal(await app.hangups(), 0);
    assert.equal(await runs({ action: `signal:${app.name}` }), 0);

    await agent!.waitFor('a rotated credential', async () => JSON.parse(await readFile(path('db.json'), 'utf8')).username !== first, 20_000);
    await agent!.waitFor('the app to get SIGHUP', async () => (await app!.hangups()) > 0, 5_000);
    await sleep(DEBOUNCE_MS + 300);
    assert.equal(await app.hangups(), 1, 'one rotation of two files, one signal');
    assert.equal(await runs({ action: `signal:${app.name}`, result: 'success' }), 1);
    const logged = agent!.lines.find((line) => line.msg === 'on-change action succeeded');
    assert.deepEqual(logged?.files, [path('db.json'), path('db.url')]);
  });

  it('http: POSTs the changed file to the app\'s listener, with its headers, and keeps header and query out of logs and metrics', async () => {
    hook = await startHookListener();
    const url = `${hook.url}/-/reload?token=query-secret-1`;
    await startAgent([kv({ file: 'config.json', on_change: [{ http: url, headers: { 'X-Reload-Token': 'header-secret-1' } }] })]);
    await sleep(DEBOUNCE_MS + 700);
    assert.equal(hook.requests.length, 0, 'no call at the first write');

    await rotateKv();
    await agent!.waitFor('the hook call', () => hook!.requests.length > 0, 10_000);
    await sleep(DEBOUNCE_MS + 300);
    assert.equal(hook.requests.length, 1);
    const [call] = hook.requests;
    assert.equal(call!.method, 'POST');
    assert.equal(call!.url, '/-/reload?token=query-secret-1');
    assert.equal(call!.headers['content-type'], 'application/json');
    assert.equal(call!.headers['x-reload-token'], 'header-secret-1');
    assert.deepEqual(JSON.parse(call!.body), { files: [path('config.json')] });
    assert.equal(JSON.parse(await readFile(path('config.json'), 'utf8')).api_key, 'rotated-kv-value', 'the file was in place before the call');

    const metrics = await agent!.metrics();
    assert.equal(sample(metrics, 'vaultlet_action_runs_total', { action: `http:${new URL(hook.url).host}/-/reload`, result: 'success' }), 1);
    const everything = [agent!.rawStdout.join('\n'), agent!.stderr, metrics].join('\n');
    for (const value of ['query-secret-1', 'header-secret-1', 'rotated-kv-value']) assert.ok(!everything.includes(value), `"${value}" leaked`);
  });

  it('command: runs the command with VAULTLET_CHANGED_FILES naming the changed file', async () => {
    const marker = join(vault.base, 'command-saw');
    await startAgent([kv({ file: 'config.env', format: 'env', on_change: [{ command: ['/bin/sh', '-c', 'printf "%s" "$VAULTLET_CHANGED_FILES" > "$0"', marker] }] })]);
    await sleep(DEBOUNCE_MS + 700);
    assert.equal(await readFile(marker, 'utf8').catch(() => 'absent'), 'absent', 'no run at the first write');

    await rotateKv();
    const saw = await agent!.waitFor('the command to run', () => readFile(marker, 'utf8').catch(() => undefined), 10_000);
    assert.equal(saw, path('config.env'));
    // Counted when the command has exited, a moment after it wrote the marker.
    await agent!.waitFor('the run counted', async () => (await runs({ action: 'command:sh', result: 'success' })) === 1, 3_000);
  });

  it('debounce: two files of one secret changing together run their shared action once, listing both', async () => {
    const marker = join(vault.base, 'runs');
    const append = { command: ['/bin/sh', '-c', 'printf "%s\\n" "$VAULTLET_CHANGED_FILES" >> "$0"', marker] };
    await startAgent([
      {
        ...kv({}),
        files: [
          { file: 'b.env', format: 'env', on_change: [append] },
          { file: 'a.json', on_change: [append] },
          { file: 'quiet.yaml', format: 'yaml' },
        ],
      },
    ]);
    await rotateKv();
    await agent!.waitFor('the command to run', () => readFile(marker, 'utf8').catch(() => undefined), 10_000);
    await sleep(2 * DEBOUNCE_MS + 500);
    assert.deepEqual((await readFile(marker, 'utf8')).split('\n'), [`${path('a.json')} ${path('b.env')}`, '']);
    assert.equal(await runs({ action: 'command:sh', result: 'success' }), 1);
  });

  it('timeout: a command running past its timeout is stopped, counted as timeout, and the agent stays ready', async () => {
    const pidFile = join(vault.base, 'slow.pid');
    await startAgent([kv({ file: 'config.json', on_change: [{ command: ['/bin/sh', '-c', 'echo $$ > "$0"; sleep 30; echo late >> "$0"', pidFile], timeout: '1s' }] })]);
    await rotateKv();
    await agent!.waitFor('a timed-out run', async () => (await runs({ action: 'command:sh', result: 'timeout' })) === 1, 10_000);
    const pid = Number(await readFile(pidFile, 'utf8'));
    await agent!.waitFor('the slow command to be gone', () => !isAlive(pid), 5_000);
    assert.equal(await readFile(pidFile, 'utf8'), `${pid}\n`, 'stopped before it finished');
    const readyz = await fetch(`${agent!.metricsUrl}/readyz`);
    assert.equal(readyz.status, 200);
    const metrics = await agent!.metrics();
    assert.equal(sample(metrics, 'vaultlet_ready'), 1);
    assert.equal(sample(metrics, 'vaultlet_action_runs_total', { action: 'command:sh', result: 'success' }), undefined);
    assert.ok(agent!.lines.some((line) => line.msg === 'on-change action timed out' && line.action === 'command:sh'));
  });
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
