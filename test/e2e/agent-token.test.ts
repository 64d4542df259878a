import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AgentProcess, sample } from '../support/agent-process.js';
import { until } from '../support/until.js';
import { forEachBackend } from '../support/vault-backend.js';
import { startVaultFixture, type VaultFixture } from '../support/vault-fixture.js';

const DB = { name: 'db', kind: 'leased', path: 'database/creds/demo', file: 'db.json' };

forEachBackend('the agent token over its lifetime (real agent process)', function (backend) {
  this.timeout(60_000);
  let vault: VaultFixture;
  let agent: AgentProcess | undefined;

  afterEach(async function () {
    if (agent && this.currentTest?.state === 'failed') console.log(agent.describe());
    await agent?.stop('SIGKILL');
    agent = undefined;
    await vault.close();
  });

  it('renews its token, logs in again before the max TTL, and moves its leases to the new token before Vault revokes them with the old one', async () => {
    // Token: 2 s TTL, 6 s max. Database lease: 60 s, far longer than any token.
    vault = await startVaultFixture({ backend, tokenTtl: '2s', tokenMaxTtl: '6s', dbDefaultTtl: '60s', dbMaxTtl: '10m' });
    const config = await vault.writeConfig(vault.config([DB]));
    agent = AgentProcess.start(['run', '--config', config]);
    await agent.waitReady();
    const file = join(vault.secretsDir, 'db.json');
    const users = new Set<string>();
    const deadline = Date.now() + 14_000;
    while (Date.now() < deadline) {
      const ready = await fetch(`${agent.metricsUrl}/readyz`);
      assert.equal(ready.status, 200, `not ready at some point: ${await ready.text()}`);
      users.add(JSON.parse(await readFile(file, 'utf8')).username);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const metrics = await agent.metrics();
    assert.ok((sample(metrics, 'vaultlet_token_renewals_total', { result: 'success' }) ?? 0) >= 2, 'the token was renewed');
    const logins = sample(metrics, 'vaultlet_logins_total', { method: 'kubernetes', result: 'success' }) ?? 0;
    assert.ok(logins >= 2 && logins <= 4, `logged in ${logins} times in 14 s with a 6 s max TTL`);
    // Every lease the agent renewed was alive: no renewal was refused because its token had died.
    const refused = vault.backend.requests.filter((r) => r.path === 'sys/leases/renew' && r.status !== 200);
    assert.deepEqual(refused.map((r) => r.status), []);
    // One credential per token at most: leases follow the token, they are not re-leased at random.
    assert.ok(users.size >= 2 && users.size <= logins, `${users.size} credentials for ${logins} logins`);
    // Vault revokes an expired token's leases in the background (OpenBao a moment later).
    await until('exactly one live lease at the end', async () => (await vault.backend.leaseCount('database/creds/demo')) === 1);
  });

  it('with a periodic token (role token_period, no max TTL): renews it every period, never logs in again, keeps its lease', async () => {
    vault = await startVaultFixture({ backend, dbDefaultTtl: '60s', dbMaxTtl: '10m' });
    await vault.backend.api.write('auth/kubernetes/role/demo', { token_period: '2s', token_ttl: 0, token_max_ttl: 0 });
    agent = AgentProcess.start(['run', '--config', await vault.writeConfig(vault.config([DB]))]);
    await agent.waitReady();
    const first = JSON.parse(await readFile(join(vault.secretsDir, 'db.json'), 'utf8')).username as string;
    // Far past what a 2 s token would live without renewals.
    await new Promise((resolve) => setTimeout(resolve, 7_000));
    const metrics = await agent.metrics();
    assert.ok((sample(metrics, 'vaultlet_token_renewals_total', { result: 'success' }) ?? 0) >= 3, 'renewed every period');
    assert.equal(sample(metrics, 'vaultlet_logins_total', { method: 'kubernetes', result: 'success' }), 1, 'one login');
    assert.equal(JSON.parse(await readFile(join(vault.secretsDir, 'db.json'), 'utf8')).username, first, 'the same credential');
    assert.equal(vault.backend.leasesIssued('database/creds/demo'), 1);
    const renewals = vault.backend.requests.filter((r) => r.path === 'auth/token/renew-self');
    assert.ok(renewals.every((r) => r.status === 200), `renewals answered ${renewals.map((r) => r.status)}`);
  });

  it('uses VAULT_ADDR over the address in the file, as Vault Agent does', async () => {
    vault = await startVaultFixture({ backend });
    const doc = vault.config([DB]) as { vault: { address: string } };
    doc.vault.address = 'http://127.0.0.1:9';
    const config = await vault.writeConfig(doc);
    agent = AgentProcess.start(['run', '--config', config], { VAULT_ADDR: vault.backend.url });
    await agent.waitReady();
  });
});
