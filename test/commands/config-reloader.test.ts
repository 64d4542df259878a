import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'mocha';
import { stringify } from 'yaml';
import type { Agent } from '../../src/agent.js';
import { ConfigReloader } from '../../src/commands/config-reloader.js';
import { fileConfigSource, type ConfigSource } from '../../src/commands/config-source.js';
import type { Config } from '../../src/config/index.js';
import { DEMO_POLICY } from '../../src/demo/vault-setup.js';
import { noopRecorder } from '../../src/metrics/recorder.js';
import { PrometheusRecorder } from '../../src/metrics/prometheus-recorder.js';
import { createRegistry } from '../../src/metrics/registry.js';
import type { CompiledTemplate } from '../../src/render/template.js';
import { sample } from '../support/agent-process.js';
import { startVaultFixture, type VaultFixture } from '../support/vault-fixture.js';
import { capturedLogger, eventually, makeTempDir, sleep } from '../watch/helpers.js';

type Reload = (config: Config, templates: ReadonlyMap<string, CompiledTemplate>) => Promise<string[]>;

/** A valid config document; nothing here talks to Vault, the agent is a fake. */
function document(dir: string, secrets: Array<Record<string, unknown>>): Record<string, unknown> {
  return {
    vault: { address: 'http://127.0.0.1:1' },
    auth: { method: 'kubernetes', role: 'demo', token_path: path.join(dir, 'sa-token') },
    output: { directory: path.join(dir, 'secrets') },
    secrets,
  };
}

const APP = { name: 'app', kind: 'kv2', path: 'demo/config', file: 'app.json' };
const EXTRA = { name: 'extra', kind: 'kv2', path: 'demo/extra', file: 'extra.json' };

describe('ConfigReloader', () => {
  let dir: string;
  let file: string;
  let hangup: EventEmitter;
  let registry: ReturnType<typeof createRegistry>;
  let recorder: PrometheusRecorder;
  let log: ReturnType<typeof capturedLogger>;
  let controller: AbortController;
  let reloader: ConfigReloader | undefined;
  let loaded: Config[];

  beforeEach(async () => {
    dir = await makeTempDir('reloader');
    file = path.join(dir, 'config.yaml');
    await fs.writeFile(file, stringify(document(dir, [APP])));
    hangup = new EventEmitter();
    registry = createRegistry({ processMetrics: false });
    recorder = new PrometheusRecorder({ registry, version: 'test', secrets: () => [], files: () => [], token: () => undefined, ready: () => true });
    log = capturedLogger();
    controller = new AbortController();
    loaded = [];
  });
  afterEach(async () => {
    controller.abort();
    await reloader?.close();
    reloader = undefined;
    await fs.rm(dir, { recursive: true, force: true });
  });

  async function start(reload: Reload = async (config) => (loaded.push(config), []), source: ConfigSource = fileConfigSource(file)): Promise<ConfigReloader> {
    const agent = { reload } as unknown as Agent;
    reloader = new ConfigReloader({ source, agent, recorder, logger: log.logger, signal: controller.signal, process: hangup });
    await reloader.start();
    return reloader;
  }

  async function reloads(result: 'success' | 'failure'): Promise<number> {
    return sample(await registry.metrics(), 'vaultlet_config_reloads_total', { result }) ?? Number.NaN;
  }

  async function waitForReloads(result: 'success' | 'failure', count: number): Promise<void> {
    const deadline = Date.now() + 5_000;
    while ((await reloads(result)) < count) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${count} ${result} reload(s)\n${log.text()}`);
      await sleep(20);
    }
  }

  it('hands the agent the new config when the file is rewritten in place', async () => {
    await start();
    assert.equal(await reloads('success'), 0);
    await fs.writeFile(file, stringify(document(dir, [APP, EXTRA])));
    await waitForReloads('success', 1);
    assert.deepEqual(loaded.at(-1)!.secrets.map((secret) => secret.name), ['app', 'extra']);
    assert.deepEqual(loaded.at(-1)!.files.map((entry) => entry.file), ['app.json', 'extra.json']);
    assert.equal(await reloads('failure'), 0);
  });

  it('picks up a file replaced by rename, as editors and config management tools save', async () => {
    await start();
    const temp = path.join(dir, '.config.yaml.tmp');
    await fs.writeFile(temp, stringify(document(dir, [EXTRA])));
    await fs.rename(temp, file);
    await waitForReloads('success', 1);
    assert.deepEqual(loaded.at(-1)!.secrets.map((secret) => secret.name), ['extra']);
  });

  it('picks up a ConfigMap update: ..data swapped by rename behind a fixed symlink', async () => {
    // The kubelet's layout: config.yaml -> ..data/config.yaml, ..data -> ..<timestamp>.
    const volume = path.join(dir, 'volume');
    await fs.mkdir(path.join(volume, '..2026_01_01_00_00_00.1'), { recursive: true });
    await fs.writeFile(path.join(volume, '..2026_01_01_00_00_00.1', 'config.yaml'), stringify(document(dir, [APP])));
    await fs.symlink('..2026_01_01_00_00_00.1', path.join(volume, '..data'));
    await fs.symlink('..data/config.yaml', path.join(volume, 'config.yaml'));
    await start(undefined, fileConfigSource(path.join(volume, 'config.yaml')));
    await fs.mkdir(path.join(volume, '..2026_01_01_00_05_00.2'));
    await fs.writeFile(path.join(volume, '..2026_01_01_00_05_00.2', 'config.yaml'), stringify(document(dir, [APP, EXTRA])));
    await fs.symlink('..2026_01_01_00_05_00.2', path.join(volume, '..data_tmp'));
    await fs.rename(path.join(volume, '..data_tmp'), path.join(volume, '..data'));
    await fs.rm(path.join(volume, '..2026_01_01_00_00_00.1'), { recursive: true });
    await waitForReloads('success', 1);
    assert.deepEqual(loaded.at(-1)!.secrets.map((secret) => secret.name), ['app', 'extra']);
  });

  it('reloads on SIGHUP even when no file event came, and stops listening once closed', async () => {
    await start();
    assert.equal(hangup.listenerCount('SIGHUP'), 1);
    hangup.emit('SIGHUP');
    await waitForReloads('success', 1);
    assert.equal(loaded.length, 1);
    await reloader!.close();
    assert.equal(hangup.listenerCount('SIGHUP'), 0, 'a closed reloader leaves SIGHUP alone');
    hangup.emit('SIGHUP');
    await sleep(100);
    assert.equal(loaded.length, 1);
  });

  for (const [problem, write, expected] of [
    ['bad YAML', (text: string) => `${text}\nsecrets: [unclosed`, /invalid YAML/],
    ['an unknown key', () => stringify({ ...document(dir, [APP]), colour: 'blue' }), /colour/],
    ['a template syntax error', () => stringify(document(dir, [{ ...APP, format: 'template', template: 'user={{#if data.user}}' }])), /secrets\[0\]\.template: .*line 1/],
  ] as const) {
    it(`refuses a config with ${problem}: logged, counted, the agent keeps the running one`, async () => {
      await start();
      await fs.writeFile(file, write(await fs.readFile(file, 'utf8')));
      await waitForReloads('failure', 1);
      assert.equal(loaded.length, 0, 'the agent never saw the invalid config');
      assert.equal(await reloads('success'), 0);
      const line = log.text().split('\n').find((entry) => entry.includes('refused the new configuration'));
      assert.ok(line, log.text());
      const parsed = JSON.parse(line) as { level: string; error: { code: string; message: string } };
      assert.equal(parsed.level, 'error');
      assert.equal(parsed.error.code, 'VAULTLET_CONFIG');
      assert.match(parsed.error.message, expected);
      assert.match(parsed.error.message, new RegExp(file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')), 'the message names the file');
      // Fixed: the next save is applied.
      await fs.writeFile(file, stringify(document(dir, [APP, EXTRA])));
      await waitForReloads('success', 1);
      assert.deepEqual(loaded.at(-1)!.secrets.map((secret) => secret.name), ['app', 'extra']);
      assert.equal(await reloads('failure'), 1);
    });
  }

  it('counts a reload the agent could not apply as a failure', async () => {
    await start(async () => {
      throw new Error('disk on fire');
    });
    hangup.emit('SIGHUP');
    await waitForReloads('failure', 1);
    assert.match(log.text(), /disk on fire/);
  });

  it('logs the settings that need a restart', async () => {
    await start(async () => ['vault', 'auth']);
    hangup.emit('SIGHUP');
    await waitForReloads('success', 1);
    const line = log.text().split('\n').find((entry) => entry.includes('only after a restart'));
    assert.ok(line, log.text());
    assert.deepEqual((JSON.parse(line) as { keys: string[] }).keys, ['vault', 'auth']);
  });

  it('queues requests made during a reload: never two at once, a burst coalesced into one more', async () => {
    let active = 0;
    let most = 0;
    let calls = 0;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    await start(async () => {
      calls++;
      active++;
      most = Math.max(most, active);
      if (calls === 1) await gate;
      active--;
      return [];
    });
    const first = reloader!.request('test');
    await eventually('the first reload to start', () => calls === 1);
    const queued = [reloader!.request('test'), reloader!.request('test')];
    hangup.emit('SIGHUP');
    await sleep(50);
    assert.equal(calls, 1, 'nothing starts while a reload runs');
    release();
    await Promise.all([first, ...queued]);
    assert.equal(calls, 2, 'the requests made during the first reload ran once, after it');
    assert.equal(most, 1);
    assert.equal(await reloads('success'), 2);
  });

  it('close() waits for the running reload and drops the queued one', async () => {
    let calls = 0;
    let finished = 0;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    await start(async () => {
      calls++;
      await gate;
      finished++;
      return [];
    });
    void reloader!.request('test');
    await eventually('the reload to start', () => calls === 1);
    void reloader!.request('queued');
    let closed = false;
    const closing = reloader!.close().then(() => (closed = true));
    await sleep(50);
    assert.equal(closed, false, 'close waits for the reload in progress');
    release();
    await closing;
    assert.equal(finished, 1);
    assert.equal(calls, 1, 'the queued reload is dropped');
    await reloader!.close();
    await fs.writeFile(file, stringify(document(dir, [EXTRA])));
    await sleep(400);
    assert.equal(calls, 1, 'no reload after close');
  });
});

/** The agent's own tests of reload semantics live in the e2e suite; these need timing only an in-process agent gives. */
describe('ConfigReloader with a real Agent (in-process dev server)', function () {
  this.timeout(20_000);
  const DB = { name: 'db', kind: 'leased', path: 'database/creds/demo', file: 'db.json' };
  const KV = { name: 'app-config', kind: 'kv2', path: 'demo/config', file: 'config.json' };
  const OTHER = { name: 'other', kind: 'leased', path: 'database/creds/other', file: 'other.json' };
  let vault: VaultFixture;
  let agent: Agent;
  let reloader: ConfigReloader;
  let file: string;
  let controller: AbortController;
  let log: ReturnType<typeof capturedLogger>;

  beforeEach(async () => {
    vault = await startVaultFixture({ dbDefaultTtl: '30s', dbMaxTtl: '1h' });
    const root = (path: string, body: Record<string, unknown>) =>
      fetch(`${vault.backend.url}/v1/${path}`, { method: 'POST', headers: { 'X-Vault-Token': vault.backend.rootToken }, body: JSON.stringify(body) });
    await root('sys/policies/acl/demo-app', { policy: `${DEMO_POLICY}\npath "database/creds/other" { capabilities = ["read"] }\npath "sys/leases/revoke" { capabilities = ["update"] }\n` });
    await root('database/roles/other', { db_name: 'demo-postgres', creation_statements: ['CREATE ROLE "{{name}}";'], default_ttl: '30s' });
    file = path.join(vault.base, 'config.yaml');
    controller = new AbortController();
    log = capturedLogger();
  });
  afterEach(async () => {
    controller.abort();
    await reloader?.close();
    await agent?.close({ revoke: false, gracePeriodMs: 0 });
    await vault.close();
  });

  async function start(secrets: Array<Record<string, unknown>>): Promise<void> {
    await fs.writeFile(file, stringify(vault.config(secrets, { listen: false })));
    const source = fileConfigSource(file);
    const { config, templates } = await source.load();
    agent = new (await import('../../src/agent.js')).Agent({ config, templates, logger: log.logger, recorder: noopRecorder });
    await agent.start();
    await eventually('every secret written', () => agent.readiness().ready, 5_000);
    reloader = new ConfigReloader({ source, agent, recorder: noopRecorder, logger: log.logger, signal: controller.signal, process: new EventEmitter() });
    await reloader.start();
  }

  const out = (name: string) => path.join(vault.secretsDir, name);
  const exists = (name: string) => fs.stat(out(name)).then(() => true, () => false);
  /** Names, inodes and mtimes of everything in the output directory, and of the state file. */
  async function snapshot(): Promise<string> {
    const paths = [...(await fs.readdir(vault.secretsDir)).map(out), vault.stateFile].sort();
    const stats = await Promise.all(paths.map((name) => fs.stat(name).then((s) => `${name}:${s.ino}:${s.mtimeMs}`, () => `${name}:-`)));
    return stats.join('\n');
  }

  it('revokes a removed lease last: a slow revocation does not hold up an added secret', async () => {
    await start([DB, OTHER]);
    vault.backend.faults.latencyMs = 2_000;
    vault.backend.faults.latencyPathPattern = /^sys\/leases\/revoke/;
    await fs.writeFile(file, stringify(vault.config([DB, KV], { listen: false })));
    const started = Date.now();
    const reload = reloader.request('test');
    while (!(await exists('config.json'))) {
      assert.ok(Date.now() - started < 1_500, 'the added secret waited for the revocation');
      await sleep(20);
    }
    assert.equal(await exists('other.json'), false);
    await reload;
    assert.equal(await vault.backend.leaseCount('database/creds/other'), 0, 'revoked all the same');
  });

  it("does not rewrite a changed secret's file from the old credential", async () => {
    await start([DB, OTHER]);
    const before = await fs.readFile(out('other.json'), 'utf8');
    const { ino } = await fs.stat(out('other.json'));
    // The new path answers slowly, so the reload is done before the new credential arrives.
    vault.backend.faults.latencyMs = 1_000;
    vault.backend.faults.latencyPathPattern = /^database\/creds\/demo/;
    await fs.writeFile(file, stringify(vault.config([DB, { ...OTHER, path: 'database/creds/demo', format: 'yaml' }], { listen: false })));
    await reloader.request('test');
    assert.equal(await fs.readFile(out('other.json'), 'utf8'), before, 'not re-rendered from the revoked credential');
    assert.equal((await fs.stat(out('other.json'))).ino, ino);
    const deadline = Date.now() + 5_000;
    let text = before;
    while (!(text = await fs.readFile(out('other.json'), 'utf8')).includes('-demo-')) {
      assert.ok(Date.now() < deadline, 'the new credential never came');
      await sleep(20);
    }
    assert.match(text, /^username: v-/m, 'written once, from the new path, in the new format');
  });

  it('closing the agent during a reload: close waits for it, and nothing is written afterwards', async () => {
    await start([DB, OTHER]);
    vault.backend.faults.latencyMs = 1_500;
    vault.backend.faults.latencyPathPattern = /^sys\/leases\/revoke/;
    await fs.writeFile(file, stringify(vault.config([DB, KV], { listen: false })));
    const reload = reloader.request('test');
    await eventually('the revocation in flight', () => vault.backend.countRequests({ path: 'sys/leases/revoke', status: 0 }) === 1, 5_000);
    await agent.close({ revoke: false, gracePeriodMs: 0 });
    const closedAt = Date.now();
    const after = await snapshot();
    await reload;
    await sleep(500);
    assert.equal(await snapshot(), after, 'nothing in the output directory changed after close() resolved');
    const late = vault.backend.requests.filter((r) => r.at > closedAt + 50);
    assert.deepEqual(late.map((r) => r.path), [], 'no Vault request after close() resolved');
  });

  it('a reload asked for after the agent closed changes nothing', async () => {
    await start([DB]);
    await agent.close({ revoke: false, gracePeriodMs: 0 });
    const after = await snapshot();
    await fs.writeFile(file, stringify(vault.config([DB, KV], { listen: false })));
    await reloader.request('test');
    await sleep(300);
    assert.equal(await snapshot(), after);
    assert.equal(await exists('config.json'), false);
    assert.match(log.text(), /"message":"the agent is stopping; the new configuration was not applied".*"msg":"refused the new configuration/);
  });
});
