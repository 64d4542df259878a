import assert from 'node:assert/strict';
import { mkdir, readFile, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { DEMO_POLICY } from '../../src/demo/vault-setup.js';
import { AgentProcess, sample } from '../support/agent-process.js';
import { forEachBackend } from '../support/vault-backend.js';
import { startVaultFixture, type VaultFixture } from '../support/vault-fixture.js';

// Two database roles, so a secret can move from one path to another; both lease with a 3 s TTL
// (renewed about every 2 s) and a long max TTL, so no rotation muddles lease ids or inodes.
const DB = { name: 'db', kind: 'leased', path: 'database/creds/demo', file: 'db.json' };
const KV = { name: 'app-config', kind: 'kv2', path: 'demo/config', file: 'config.json' };
const EXTRA = { name: 'extra', kind: 'leased', path: 'database/creds/other', file: 'extra.json' };

/** The agent revokes a removed secret's lease through sys/leases/revoke, which Vault's default policy does not grant. */
const POLICY = `${DEMO_POLICY}
path "database/creds/other" {
  capabilities = ["read"]
}
path "sys/leases/revoke" {
  capabilities = ["update"]
}
`;

type Creds = { username: string; password: string };

forEachBackend('config reload (real agent process)', function (backend) {
  this.timeout(60_000);
  let vault: VaultFixture;
  let agent: AgentProcess | undefined;
  let configFile: string;

  beforeEach(async () => {
    vault = await startVaultFixture({ backend, dbDefaultTtl: '3s', dbMaxTtl: '1h' });
    await root('POST', 'sys/policies/acl/demo-app', { policy: POLICY });
    await root('POST', 'database/roles/other', {
      db_name: 'demo-postgres',
      creation_statements: [`CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}';`],
      default_ttl: '3s',
      max_ttl: '1h',
    });
    configFile = join(vault.base, 'config.yaml');
  });
  afterEach(async function () {
    if (agent && this.currentTest?.state === 'failed') console.log(agent.describe());
    await agent?.stop('SIGKILL');
    agent = undefined;
    await vault.close();
  });

  async function root(method: string, path: string, body?: Record<string, unknown>): Promise<{ status: number; body: any }> {
    const response = await fetch(`${vault.backend.directUrl}/v1/${path}`, {
      method,
      headers: { 'X-Vault-Token': vault.backend.rootToken, 'content-type': 'application/json' },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : {} };
  }

  function document(secrets: Array<Record<string, unknown>>, extra: Record<string, unknown> = {}): Record<string, unknown> {
    return vault.config(secrets, extra);
  }

  async function start(secrets: Array<Record<string, unknown>>, extra: Record<string, unknown> = {}): Promise<AgentProcess> {
    await writeFile(configFile, stringify(document(secrets, extra)));
    agent = AgentProcess.start(['run', '--config', configFile]);
    await agent.waitReady();
    await agent.waitForLog('vaultlet started');
    return agent;
  }

  /** As an editor that writes the file in place. */
  const edit = (secrets: Array<Record<string, unknown>>, extra: Record<string, unknown> = {}) => writeFile(configFile, stringify(document(secrets, extra)));

  async function reloads(result: 'success' | 'failure'): Promise<number> {
    return sample(await agent!.metrics(), 'vaultlet_config_reloads_total', { result }) ?? Number.NaN;
  }

  const waitForReloads = (result: 'success' | 'failure', count: number) =>
    agent!.waitFor(`${count} ${result} reload(s)`, async () => (await reloads(result)) >= count, 10_000);

  const secretsFile = (name: string) => join(vault.secretsDir, name);
  const creds = async (name: string) => JSON.parse(await readFile(secretsFile(name), 'utf8')) as Creds;
  const exists = (name: string) => stat(secretsFile(name)).then(() => true, () => false);
  const fingerprint = async (name: string) => {
    const { ino, mtimeMs } = await stat(secretsFile(name));
    return { ino, mtimeMs };
  };
  const count = (path: string | RegExp, method?: string) => vault.backend.countRequests({ path, ...(method ? { method } : {}) });
  const logins = () => count('auth/kubernetes/login');
  /** Renewals of `leaseId` the agent sent at or after `since` (server clock). */
  const renewalsOf = (leaseId: string, since: number) =>
    vault.backend.requests.filter((r) => r.path === 'sys/leases/renew' && (r.body as { lease_id?: string }).lease_id === leaseId && r.at >= since && r.status === 200).length;
  const leaseIsGone = async (leaseId: string) => (await root('POST', 'sys/leases/lookup', { lease_id: leaseId })).status === 400;

  it('adds a secret: its file appears, with no new login and the other secrets and leases untouched', async () => {
    await start([DB, KV]);
    const dbLeases = await vault.backend.leaseIds('database/creds/demo');
    assert.equal(dbLeases.length, 1);
    const before = { db: await fingerprint('db.json'), kv: await fingerprint('config.json') };
    const dbReads = count('database/creds/demo');
    const kvReads = count('secret/data/demo/config');
    assert.equal(logins(), 1);

    const editedAt = Date.now();
    await edit([DB, KV, EXTRA]);
    await agent!.waitFor('extra.json', () => exists('extra.json'), 10_000);
    await waitForReloads('success', 1);
    assert.match((await creds('extra.json')).username, /^v-.*-other-/, 'the new secret comes from its own path');
    assert.equal((await vault.backend.leaseIds('database/creds/other')).length, 1);

    assert.equal(logins(), 1, 'no new login');
    assert.deepEqual(await vault.backend.leaseIds('database/creds/demo'), dbLeases, 'the running lease is kept');
    assert.equal(count('database/creds/demo'), dbReads, 'no new read of the unchanged leased secret');
    assert.equal(count('secret/data/demo/config'), kvReads, 'no new read of the unchanged KV secret');
    assert.deepEqual(await fingerprint('db.json'), before.db, 'db.json untouched');
    assert.deepEqual(await fingerprint('config.json'), before.kv, 'config.json untouched');
    await agent!.waitFor('a renewal of the kept lease after the reload', () => renewalsOf(dbLeases[0]!, editedAt) >= 1, 5_000);
    assert.equal(await reloads('failure'), 0);
    const line = agent!.lines.find((entry) => entry.msg === 'configuration reloaded');
    assert.deepEqual([line?.['added'], line?.['removed']], [['extra'], []]);
  });

  it('removes a secret: its file is deleted and its lease revoked, the others untouched', async () => {
    await start([DB, EXTRA]);
    const [extraLease] = await vault.backend.leaseIds('database/creds/other');
    assert.ok(extraLease);
    const dbLeases = await vault.backend.leaseIds('database/creds/demo');
    const db = await fingerprint('db.json');

    await edit([DB]);
    await agent!.waitFor('extra.json removed', async () => !(await exists('extra.json')), 10_000);
    await waitForReloads('success', 1);
    await agent!.waitFor('the lease revoked', () => leaseIsGone(extraLease), 5_000);
    assert.ok(vault.backend.requests.some((r) => r.path === 'sys/leases/revoke' && (r.body as { lease_id?: string }).lease_id === extraLease && r.status === 204), 'revoked by the agent');
    assert.deepEqual(await vault.backend.leaseIds('database/creds/demo'), dbLeases);
    assert.deepEqual(await fingerprint('db.json'), db);
    assert.equal(logins(), 1);
    // Gone for good: not restored as a tampered file, not re-leased.
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(await exists('extra.json'), false);
    assert.equal(count('database/creds/other'), 1);
  });

  it('removes a secret with shutdown.revoke false: its file goes, its lease is left to expire', async () => {
    await start([DB, EXTRA], { shutdown: { revoke: false } });
    const [extraLease] = await vault.backend.leaseIds('database/creds/other');
    await edit([DB], { shutdown: { revoke: false } });
    await agent!.waitFor('extra.json removed', async () => !(await exists('extra.json')), 10_000);
    await waitForReloads('success', 1);
    assert.equal(await leaseIsGone(extraLease!), false);
    assert.equal(count('sys/leases/revoke'), 0);
  });

  it("changes a secret's path: a new lease from the new path, the old one revoked, the file rewritten", async () => {
    await start([DB, EXTRA]);
    const [oldLease] = await vault.backend.leaseIds('database/creds/other');
    assert.ok(oldLease);
    const dbLeases = await vault.backend.leaseIds('database/creds/demo');
    const db = await fingerprint('db.json');
    const old = await creds('extra.json');

    await edit([DB, { ...EXTRA, path: 'database/creds/demo' }]);
    await agent!.waitFor('extra.json from the new path', async () => (await creds('extra.json')).username.includes('-demo-'), 10_000);
    await waitForReloads('success', 1);
    assert.notEqual((await creds('extra.json')).password, old.password);
    await agent!.waitFor('the old lease revoked', () => leaseIsGone(oldLease), 5_000);
    const demoLeases = await vault.backend.leaseIds('database/creds/demo');
    assert.equal(demoLeases.length, 2);
    assert.equal(demoLeases[0], dbLeases[0], "db's lease is kept");
    assert.deepEqual(await fingerprint('db.json'), db);
    assert.equal(logins(), 1);
  });

  it("changes only a file's format: rewritten from the data in hand, no Vault read", async () => {
    const file = { ...DB, file: 'db.creds' };
    await start([file, KV]);
    const before = JSON.parse(await readFile(secretsFile('db.creds'), 'utf8')) as Creds;
    const leases = await vault.backend.leaseIds('database/creds/demo');
    const reads = count('database/creds/demo');
    const kv = await fingerprint('config.json');

    await edit([{ ...file, format: 'yaml' }, KV]);
    await waitForReloads('success', 1);
    const text = await agent!.waitFor('db.creds as YAML', async () => {
      const now = await readFile(secretsFile('db.creds'), 'utf8');
      return now.startsWith('{') ? undefined : now;
    }, 5_000);
    assert.deepEqual(parse(text), before, 'the same credential, now as YAML');
    assert.equal((await stat(secretsFile('db.creds'))).mode & 0o777, 0o400);
    assert.equal(count('database/creds/demo'), reads, 'no Vault read');
    assert.deepEqual(await vault.backend.leaseIds('database/creds/demo'), leases);
    assert.deepEqual(await fingerprint('config.json'), kv);
  });

  it('refuses an invalid config (bad YAML, unknown key, template error) and keeps running the old one; a fixed file is applied', async () => {
    await start([DB, KV]);
    const [dbLease] = await vault.backend.leaseIds('database/creds/demo');
    const before = { db: await fingerprint('db.json'), kv: await fingerprint('config.json') };
    // Each would drop db and add extra, had it been applied.
    const valid = stringify(document([KV, EXTRA]));
    const invalid: Array<[string, RegExp]> = [
      [`${valid}\nsecrets: [unclosed\n`, /invalid YAML/],
      [stringify({ ...document([KV, EXTRA]), colour: 'blue' }), /colour/],
      [stringify(document([KV, { ...EXTRA, format: 'template', template: '{{#if data.username}}' }])), /secrets\[1\]\.template: .*line 1/],
    ];
    const startedAt = Date.now();
    for (const [index, [text, problem]] of invalid.entries()) {
      await writeFile(configFile, text);
      await waitForReloads('failure', index + 1);
      const refused = agent!.lines.filter((line) => line.msg === 'refused the new configuration; the running one stays');
      assert.equal(refused.length, index + 1);
      const error = refused.at(-1)!['error'] as { code: string; message: string };
      assert.equal(refused.at(-1)!.level, 'error');
      assert.equal(error.code, 'VAULTLET_CONFIG');
      assert.match(error.message, problem);
      assert.ok(error.message.includes(configFile), 'the message names the file');
    }
    assert.equal(await reloads('success'), 0);
    await agent!.waitFor('the running lease renewed after the refusals', () => renewalsOf(dbLease!, startedAt) >= 1, 5_000);
    assert.deepEqual(await fingerprint('db.json'), before.db);
    assert.deepEqual(await fingerprint('config.json'), before.kv);
    assert.equal(await exists('extra.json'), false);
    assert.equal(count('database/creds/other'), 0, 'nothing of a refused config reached Vault');
    assert.equal(sample(await agent!.metrics(), 'vaultlet_ready'), 1);

    await writeFile(configFile, valid);
    await waitForReloads('success', 1);
    await agent!.waitFor('extra.json', () => exists('extra.json'), 10_000);
    await agent!.waitFor('db.json removed', async () => !(await exists('db.json')), 5_000);
    assert.equal(await reloads('failure'), 3);
  });

  it('reloads on SIGHUP a config changed where the file watcher cannot see it', async () => {
    // The config is read through a directory symlink that lives outside every watched directory:
    // pointing it at another directory changes what the path holds without touching the watched
    // file or its directory, so no event arrives and only SIGHUP can tell the agent.
    const first = join(vault.base, 'first');
    const second = join(vault.base, 'second');
    const linked = join(vault.base, 'linked');
    await mkdir(first);
    await mkdir(second);
    await writeFile(join(first, 'config.yaml'), stringify(document([DB])));
    await writeFile(join(second, 'config.yaml'), stringify(document([DB, EXTRA])));
    await symlink(first, linked);
    agent = AgentProcess.start(['run', '--config', join(linked, 'config.yaml')]);
    await agent.waitReady();
    await agent.waitForLog('vaultlet started');

    await symlink(second, `${linked}.next`);
    await rename(`${linked}.next`, linked);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    assert.equal(await reloads('success'), 0, 'not seen without SIGHUP');
    assert.equal(await exists('extra.json'), false);
    process.kill(agent.child.pid!, 'SIGHUP');
    await agent.waitFor('extra.json', () => exists('extra.json'), 10_000);
    await waitForReloads('success', 1);
    assert.equal(agent.exitCode, null, 'SIGHUP does not stop the agent');
    assert.equal(logins(), 1);
  });

  it('picks up a Kubernetes ConfigMap update (..data swapped atomically behind a fixed symlink)', async () => {
    const volume = join(vault.base, 'configmap');
    await mkdir(join(volume, '..2026_01_01_00_00_00.1'), { recursive: true });
    await writeFile(join(volume, '..2026_01_01_00_00_00.1', 'config.yaml'), stringify(document([DB])));
    await symlink('..2026_01_01_00_00_00.1', join(volume, '..data'));
    await symlink('..data/config.yaml', join(volume, 'config.yaml'));
    agent = AgentProcess.start(['run', '--config', join(volume, 'config.yaml')]);
    await agent.waitReady();
    await agent.waitForLog('vaultlet started');
    const db = await fingerprint('db.json');

    // The kubelet's atomic writer: new timestamped directory, ..data_tmp renamed over ..data, old one removed.
    await mkdir(join(volume, '..2026_01_01_00_05_00.2'));
    await writeFile(join(volume, '..2026_01_01_00_05_00.2', 'config.yaml'), stringify(document([DB, EXTRA])));
    await symlink('..2026_01_01_00_05_00.2', join(volume, '..data_tmp'));
    await rename(join(volume, '..data_tmp'), join(volume, '..data'));
    await rm(join(volume, '..2026_01_01_00_00_00.1'), { recursive: true });
    await agent.waitFor('extra.json', () => exists('extra.json'), 10_000);
    await waitForReloads('success', 1);
    assert.deepEqual(await fingerprint('db.json'), db);
  });

  it('logs that a change to vault, auth or output needs a restart, and does not apply it', async () => {
    await start([DB]);
    const elsewhere = join(vault.base, 'elsewhere');
    await mkdir(elsewhere);
    const changed = document([DB, EXTRA]);
    await edit([DB, EXTRA], {
      vault: { ...(changed['vault'] as object), address: 'http://127.0.0.1:1' },
      auth: { ...(changed['auth'] as object), role: 'someone-else' },
      output: { directory: elsewhere },
      log: { level: 'info' },
    });
    const warning = await agent!.waitForLog('these settings changed but take effect only after a restart', 10_000);
    assert.equal(warning.level, 'warn');
    for (const key of ['vault', 'auth', 'output', 'log']) assert.ok((warning['keys'] as string[]).includes(key), JSON.stringify(warning['keys']));
    // The secrets part is applied, through the running Vault, login and directory.
    await agent!.waitFor('extra.json in the running directory', () => exists('extra.json'), 10_000);
    assert.equal(await reloads('success'), 1);
    assert.equal(logins(), 1);
    assert.equal(await stat(join(elsewhere, 'extra.json')).then(() => true, () => false), false);
    assert.equal(sample(await agent!.metrics(), 'vaultlet_ready'), 1);
  });
});
