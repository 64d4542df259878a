import assert from 'node:assert/strict';
import { readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AgentProcess } from '../support/agent-process.js';
import { forEachBackend } from '../support/vault-backend.js';
import { startVaultFixture, type VaultFixture } from '../support/vault-fixture.js';

const DB = { name: 'db', kind: 'leased', path: 'database/creds/demo', file: 'db.json' };
const KV = { name: 'app-config', kind: 'kv2', path: 'demo/config', file: 'config.env', format: 'env' };

forEachBackend('watched files: tampered secrets and rotated credentials (real agent process)', function (backend) {
  this.timeout(60_000);
  let vault: VaultFixture;
  let agent: AgentProcess | undefined;

  beforeEach(async () => {
    vault = await startVaultFixture({ backend, dbDefaultTtl: '60s' });
  });
  afterEach(async function () {
    if (agent && this.currentTest?.state === 'failed') console.log(agent.describe());
    await agent?.stop('SIGKILL');
    agent = undefined;
    await vault.close();
  });

  async function start(extra: Record<string, unknown> = {}): Promise<void> {
    agent = AgentProcess.start(['run', '--config', await vault.writeConfig(vault.config([DB, KV], extra))]);
    await agent.waitReady();
  }

  it('restores a deleted secret file with the same credential, without leasing a new one', async () => {
    await start();
    const file = join(vault.secretsDir, 'db.json');
    const original = await readFile(file, 'utf8');
    const leases = vault.backend.leasesIssued();
    await rm(file, { force: true });
    await agent!.waitFor('the file back', () => readFile(file, 'utf8').then((text) => text === original, () => false), 5_000);
    assert.equal((await stat(file)).mode & 0o777, 0o400);
    assert.equal(vault.backend.leasesIssued(), leases);
  });

  it('restores a secret file someone overwrote', async () => {
    await start();
    const file = join(vault.secretsDir, 'config.env');
    const original = await readFile(file, 'utf8');
    await writeFile(join(vault.secretsDir, 'forged'), 'API_KEY=forged\n');
    await rename(join(vault.secretsDir, 'forged'), file);
    await agent!.waitFor('the original content back', () => readFile(file, 'utf8').then((text) => text === original, () => false), 5_000);
  });

  it('logs in with the rotated service account token, read afresh from its file', async () => {
    // A 2 s agent token: the revocation below is noticed at the next renewal.
    await vault.close();
    vault = await startVaultFixture({ backend, dbDefaultTtl: '60s', tokenTtl: '2s', tokenMaxTtl: '1h' });
    await start();
    const rotated = await vault.issuer.sign({ namespace: 'default', name: 'demo-app', ttlSeconds: 7200 });
    await writeFile(vault.tokenPath, rotated);
    const accessor = vault.backend.requests.find((r) => r.path === 'database/creds/demo')?.tokenAccessor;
    assert.ok(accessor && await vault.backend.revokeTokenByAccessor(accessor));
    await agent!.waitFor('a login with the new JWT', () => vault.backend.requests.some((r) => r.path === 'auth/kubernetes/login' && (r.body as { jwt?: string }).jwt === rotated && r.status === 200), 10_000);
    await agent!.waitReady(10_000);
  });

  it('switches to a new token when its token file changes (token_file auth)', async () => {
    const create = async () => {
      const response = await fetch(`${vault.backend.directUrl}/v1/auth/token/create`, {
        method: 'POST',
        headers: { 'X-Vault-Token': vault.backend.rootToken, 'content-type': 'application/json' },
        body: JSON.stringify({ policies: ['demo-app'], ttl: '1h' }),
      });
      return ((await response.json()) as { auth: { client_token: string; accessor: string } }).auth;
    };
    const first = await create();
    const tokenFile = join(vault.base, 'vault-token');
    await writeFile(tokenFile, first.client_token);
    await start({ auth: { method: 'token_file', path: tokenFile } });
    const second = await create();
    await writeFile(tokenFile, second.client_token);
    await agent!.waitFor('a lookup with the new token', () => vault.backend.requests.some((r) => r.path === 'auth/token/lookup-self' && r.tokenAccessor === second.accessor), 10_000);
  });
});
