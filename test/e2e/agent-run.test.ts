import assert from 'node:assert/strict';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { AgentProcess, sample } from '../support/agent-process.js';
import { until } from '../support/until.js';
import { forEachBackend } from '../support/vault-backend.js';
import { startVaultFixture, type VaultFixture } from '../support/vault-fixture.js';

const SECRETS = [
  { name: 'db', kind: 'leased', path: 'database/creds/demo', file: 'db.json' },
  { name: 'db-env', kind: 'leased', path: 'database/creds/demo', file: 'db.env', format: 'env', env_prefix: 'PG' },
  { name: 'db-password', kind: 'leased', path: 'database/creds/demo', file: 'db-password', format: 'raw', field: 'password', mode: '0440' },
  { name: 'app-config', kind: 'kv2', path: 'demo/config', file: 'config.json', refresh_interval: '1s' },
];

forEachBackend('vaultlet run (real agent process)', function (backend) {
  this.timeout(60_000);
  let vault: VaultFixture;
  let agent: AgentProcess | undefined;

  beforeEach(async () => {
    vault = await startVaultFixture({ backend, dbDefaultTtl: '3s', dbMaxTtl: '8s' });
  });
  afterEach(async function () {
    if (agent && this.currentTest?.state === 'failed') console.log(agent.describe());
    await agent?.stop('SIGKILL');
    agent = undefined;
    await vault.close();
  });

  async function startAgent(secrets = SECRETS, extra: Record<string, unknown> = {}): Promise<AgentProcess> {
    const config = await vault.writeConfig(vault.config(secrets, extra));
    agent = AgentProcess.start(['run', '--config', config]);
    await agent.waitReady();
    return agent;
  }

  it('writes every secret in its format with the configured mode, then reports ready', async () => {
    await startAgent();
    const db = JSON.parse(await readFile(join(vault.secretsDir, 'db.json'), 'utf8')) as { username: string; password: string };
    assert.match(db.username, /^v-/);
    assert.ok(db.password.length >= 16);
    const env = await readFile(join(vault.secretsDir, 'db.env'), 'utf8');
    // In Vault's order: the dev server sends username first, OpenBao sorts keys.
    assert.match(env, /^(PGUSERNAME=v-\S+\nPGPASSWORD=\S+|PGPASSWORD=\S+\nPGUSERNAME=v-\S+)\n$/);
    const raw = await readFile(join(vault.secretsDir, 'db-password'), 'utf8');
    assert.ok(raw.length >= 16 && !raw.includes('\n'));
    const config = JSON.parse(await readFile(join(vault.secretsDir, 'config.json'), 'utf8'));
    assert.equal(config.api_key, 'demo-kv-secret-1');
    assert.equal((await stat(join(vault.secretsDir, 'db.json'))).mode & 0o777, 0o400);
    assert.equal((await stat(join(vault.secretsDir, 'db-password'))).mode & 0o777, 0o440);
    // Three leased secrets: three separate leases; one login.
    assert.equal(await vault.backend.leaseCount('database/creds/demo'), 3);
    const metrics = await agent!.metrics();
    assert.equal(sample(metrics, 'vaultlet_logins_total', { method: 'kubernetes', result: 'success' }), 1);
    assert.equal(sample(metrics, 'vaultlet_ready'), 1);
    for (const secret of ['db', 'db-env', 'db-password']) {
      const left = sample(metrics, 'vaultlet_secret_expiry_seconds', { secret });
      assert.ok(left !== undefined && left > 0 && left <= 3, `expiry of ${secret} is ${left}`);
    }
    assert.ok((sample(metrics, 'vaultlet_secret_last_write_timestamp_seconds', { secret: 'app-config' }) ?? 0) > Date.now() / 1000 - 60);
    assert.ok((sample(metrics, 'vaultlet_vault_requests_total', { operation: 'secret_read', status: '200' }) ?? 0) >= 4);
    assert.match(metrics, /vaultlet_vault_request_duration_seconds_bucket\{le="[\d.]+",operation="login"\}/);
  });

  it('renews leases at about 2/3 of their TTL, then rotates the credential when Vault caps it at max TTL', async () => {
    await startAgent([SECRETS[0]!]);
    const file = join(vault.secretsDir, 'db.json');
    const first = JSON.parse(await readFile(file, 'utf8')).username as string;
    const firstInode = (await stat(file)).ino;
    await agent!.waitFor('two renewals', async () => (sample(await agent!.metrics(), 'vaultlet_secret_renewals_total', { secret: 'db', result: 'success' }) ?? 0) >= 2, 10_000);
    assert.equal(JSON.parse(await readFile(file, 'utf8')).username, first, 'a renewal must not change the file');
    await agent!.waitFor('a rotated credential', async () => JSON.parse(await readFile(file, 'utf8')).username !== first, 15_000);
    assert.notEqual((await stat(file)).ino, firstInode, 'rotation replaces the file by rename');
    // Counted once the write is complete (directory fsync included), a moment after the rename.
    await agent!.waitFor('the rotation counted', async () => (sample(await agent!.metrics(), 'vaultlet_secret_rotations_total', { secret: 'db', result: 'success' }) ?? 0) >= 1, 2_000);
    assert.equal(sample(await agent!.metrics(), 'vaultlet_ready'), 1);
    assert.equal(vault.backend.leasesIssued('database/creds/demo'), 2, 'exactly one replacement lease, none wasted');
  });

  it('re-reads KV v2 on its interval and rewrites the file only when the version changes', async () => {
    await startAgent([SECRETS[3]!]);
    const file = join(vault.secretsDir, 'config.json');
    const before = await stat(file);
    const reads = () => vault.backend.requests.filter((r) => r.path === 'secret/data/demo/config' && r.method === 'GET').length;
    const initialReads = reads();
    await agent!.waitFor('two more reads', () => reads() >= initialReads + 2, 5_000);
    const unchanged = await stat(file);
    assert.equal(unchanged.ino, before.ino);
    assert.equal(unchanged.mtimeMs, before.mtimeMs);
    const response = await fetch(`${vault.backend.directUrl}/v1/secret/data/demo/config`, {
      method: 'POST',
      headers: { 'X-Vault-Token': vault.backend.rootToken, 'content-type': 'application/json' },
      body: JSON.stringify({ data: { api_key: 'rotated-kv-value' } }),
    });
    assert.ok(response.ok);
    await agent!.waitFor('the new version on disk', async () => JSON.parse(await readFile(file, 'utf8')).api_key === 'rotated-kv-value', 5_000);
  });

  it('logs in again when Vault revokes its token, and replaces the leases revoked with it', async () => {
    await startAgent([SECRETS[0]!]);
    const file = join(vault.secretsDir, 'db.json');
    const first = JSON.parse(await readFile(file, 'utf8')).username as string;
    const login = vault.backend.requests.find((r) => r.path === 'auth/kubernetes/login' && r.status === 200);
    assert.ok(login);
    const tokens = await vault.backend.tokenCount();
    assert.equal(tokens, 1);
    const accessor = vault.backend.requests.find((r) => r.path === 'database/creds/demo')?.tokenAccessor;
    assert.ok(accessor, 'the agent read its secret with a token');
    assert.ok(await vault.backend.revokeTokenByAccessor(accessor));
    await agent!.waitFor('a second login', async () => (sample(await agent!.metrics(), 'vaultlet_logins_total', { method: 'kubernetes', result: 'success' }) ?? 0) >= 2, 10_000);
    await agent!.waitFor('a new credential', async () => JSON.parse(await readFile(file, 'utf8')).username !== first, 10_000);
    await agent!.waitReady(5_000);
    assert.equal(await vault.backend.tokenCount(), 1);
  });

  it('on SIGTERM revokes its leases and token, then exits 0', async () => {
    await startAgent(SECRETS.slice(0, 2));
    assert.equal(await vault.backend.leaseCount(), 2);
    assert.equal(await vault.backend.tokenCount(), 1);
    const code = await agent!.stop('SIGTERM');
    assert.equal(code, 0, agent!.describe());
    assert.equal(await vault.backend.tokenCount(), 0);
    // OpenBao revokes a revoked token's leases in the background, a moment later.
    await until('the leases revoked with the token', async () => (await vault.backend.leaseCount()) === 0);
    await readFile(join(vault.secretsDir, 'db.json'));
  });

  it('on SIGTERM with Vault hanging, gives up revoking at the grace period and still exits 0', async () => {
    await startAgent(SECRETS.slice(0, 1), { shutdown: { revoke: true, grace_period: '2s' } });
    vault.backend.faults.hang = true;
    const started = Date.now();
    const code = await agent!.stop('SIGTERM');
    const took = Date.now() - started;
    vault.backend.faults.hang = false;
    assert.equal(code, 0);
    assert.ok(took >= 1_500 && took < 5_000, `stopping took ${took} ms with a 2 s grace period`);
    assert.ok(agent!.lines.some((line) => /could not revoke/.test(line.msg ?? '')), 'the failed revocation is logged');
  });

  it('with shutdown.revoke false leaves leases alive on SIGTERM', async () => {
    await startAgent(SECRETS.slice(0, 1), { shutdown: { revoke: false } });
    assert.equal(await agent!.stop('SIGTERM'), 0);
    assert.equal(await vault.backend.leaseCount(), 1);
  });

  it('stays not ready while Vault is sealed, keeps files untouched, and recovers when unsealed', async () => {
    vault.backend.faults.sealed = true;
    const config = await vault.writeConfig(vault.config([SECRETS[3]!]));
    agent = AgentProcess.start(['run', '--config', config]);
    const url = await agent.waitFor('the listener', () => agent!.metricsUrl);
    await agent.waitForLog('Vault login failed');
    const readyz = await fetch(`${url}/readyz`);
    assert.equal(readyz.status, 503);
    const body = (await readyz.json()) as { reasons: string[] };
    assert.ok(body.reasons.includes('not logged in'));
    assert.ok(body.reasons.some((r) => r.includes('"app-config"')));
    vault.backend.faults.sealed = false;
    await agent.waitReady(10_000);
  });
});
