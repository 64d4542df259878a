import assert from 'node:assert/strict';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { AgentProcess, sample } from '../support/agent-process.js';
import { until } from '../support/until.js';
import { forEachBackend } from '../support/vault-backend.js';
import { startVaultFixture, type VaultFixture } from '../support/vault-fixture.js';

const DB = { name: 'db', kind: 'leased', path: 'database/creds/demo', file: 'db.json' };
const KV = { name: 'app-config', kind: 'kv2', path: 'demo/config', file: 'config.env', format: 'env' };

forEachBackend('restarts: a restarted agent adopts its token and leases (real processes)', function (backend) {
  this.timeout(60_000);
  let vault: VaultFixture;
  let agent: AgentProcess | undefined;
  let config: string;

  const logins = () => vault.backend.requests.filter((r) => r.path === 'auth/kubernetes/login').length;
  const stateFile = () => vault.stateFile;

  beforeEach(async () => {
    vault = await startVaultFixture({ backend, dbDefaultTtl: '20s', dbMaxTtl: '5m' });
    config = await vault.writeConfig(vault.config([DB, KV]));
  });
  afterEach(async function () {
    if (agent && this.currentTest?.state === 'failed') console.log(agent.describe());
    await agent?.stop('SIGKILL');
    agent = undefined;
    await vault.close();
  });

  async function startAndKill(): Promise<void> {
    agent = AgentProcess.start(['run', '--config', config]);
    await agent.waitReady();
    await agent.waitFor('the state file', () => stat(stateFile()).then(() => true, () => false));
    await agent.stop('SIGKILL');
  }

  it('after SIGKILL, a new agent adopts the token and the lease: no login, no new lease, files untouched', async () => {
    await startAndKill();
    assert.equal((await stat(stateFile())).mode & 0o777, 0o600);
    assert.equal((await stat(dirname(stateFile()))).mode & 0o777, 0o700);
    const file = join(vault.secretsDir, 'db.json');
    const before = { text: await readFile(file, 'utf8'), ino: (await stat(file)).ino, leases: vault.backend.leasesIssued(), logins: logins() };

    agent = AgentProcess.start(['run', '--config', config]);
    await agent.waitReady();
    await agent.waitForLog('adopted the lease of a previous run');
    assert.equal(logins(), before.logins, 'no new login');
    assert.equal(vault.backend.leasesIssued(), before.leases, 'no new database credential');
    assert.equal(await readFile(file, 'utf8'), before.text);
    assert.equal((await stat(file)).ino, before.ino, 'the file was not even rewritten');
    // The adopted lease keeps being renewed.
    await agent.waitFor('a renewal of the adopted lease', async () => (sample(await agent!.metrics(), 'vaultlet_secret_renewals_total', { secret: 'db', result: 'success' }) ?? 0) >= 1, 20_000);
  });

  it('a crash loop of ten restarts mints no new credential', async () => {
    await startAndKill();
    const leases = vault.backend.leasesIssued();
    for (let i = 0; i < 10; i++) {
      agent = AgentProcess.start(['run', '--config', config]);
      await agent.waitReady();
      await agent.stop('SIGKILL');
    }
    assert.equal(vault.backend.leasesIssued(), leases);
    assert.equal(await vault.backend.tokenCount(), 1, 'one token in all');
  });

  it('a token revoked while the agent was down: logs in, and replaces the leases Vault revoked with it', async () => {
    await startAndKill();
    const accessor = vault.backend.requests.find((r) => r.path === 'database/creds/demo')?.tokenAccessor;
    assert.ok(accessor && await vault.backend.revokeTokenByAccessor(accessor));
    const leases = vault.backend.leasesIssued('database/creds/demo');
    agent = AgentProcess.start(['run', '--config', config]);
    await agent.waitReady();
    await agent.waitFor('a new credential', () => vault.backend.leasesIssued('database/creds/demo') === leases + 1);
    await until('one live lease: the old one went with its token', async () => (await vault.backend.leaseCount('database/creds/demo')) === 1);
  });

  it('a corrupt state file is discarded safely: the agent starts afresh', async () => {
    await startAndKill();
    await writeFile(stateFile(), '{"version": 1, "identity": 42, tru');
    const leases = vault.backend.leasesIssued('database/creds/demo');
    agent = AgentProcess.start(['run', '--config', config]);
    await agent.waitReady();
    await agent.waitForLog(/state file is not valid JSON/);
    assert.equal(vault.backend.leasesIssued('database/creds/demo'), leases + 1);
  });

  it('a changed secret path is not adopted, the unchanged one is', async () => {
    await startAndKill();
    const leases = vault.backend.leasesIssued('database/creds/demo');
    const changed = await vault.writeConfig(vault.config([DB, { ...KV, path: 'demo/other' }]));
    await fetch(`${vault.backend.directUrl}/v1/secret/data/demo/other`, {
      method: 'POST',
      headers: { 'X-Vault-Token': vault.backend.rootToken, 'content-type': 'application/json' },
      body: JSON.stringify({ data: { other: 'value' } }),
    });
    agent = AgentProcess.start(['run', '--config', changed]);
    await agent.waitReady();
    assert.equal(vault.backend.leasesIssued('database/creds/demo'), leases);
    assert.match(await readFile(join(vault.secretsDir, 'config.env'), 'utf8'), /^OTHER=value$/m);
  });

  it('a graceful stop with revocation removes the state file', async () => {
    agent = AgentProcess.start(['run', '--config', config]);
    await agent.waitReady();
    await agent.waitFor('the state file', () => stat(stateFile()).then(() => true, () => false));
    assert.equal(await agent.stop('SIGTERM'), 0);
    await assert.rejects(stat(stateFile()), { code: 'ENOENT' });
  });

  it('an init container (once) hands its token and leases to the sidecar that follows', async () => {
    const once = AgentProcess.start(['once', '--config', config]);
    assert.equal(await once.wait(), 0, once.describe());
    const leases = vault.backend.leasesIssued();
    const before = logins();
    agent = AgentProcess.start(['run', '--config', config]);
    await agent.waitReady();
    assert.equal(vault.backend.leasesIssued(), leases);
    assert.equal(logins(), before);
  });
});
