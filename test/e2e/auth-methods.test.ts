import assert from 'node:assert/strict';
import { access, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DEMO_ISSUER } from '../../src/demo/service-account.js';
import { AgentProcess, sample } from '../support/agent-process.js';
import type { VaultApi } from '../support/vault-api.js';
import { forEachBackend } from '../support/vault-backend.js';
import { startVaultFixture, type VaultFixture } from '../support/vault-fixture.js';

/** The one secret every login below must be able to read, and nothing else. */
const APP_POLICY = `
path "secret/data/app/config" {
  capabilities = ["read"]
}
`;
const SECRET = { name: 'app', kind: 'kv2', path: 'app/config', file: 'app.json', refresh_interval: '1s' };
const AUDIENCE = 'vaultlet-e2e';

forEachBackend('vaultlet run logging in with jwt, approle and a wrapped token file', function (backend) {
  this.timeout(30_000);
  let vault: VaultFixture;
  let api: VaultApi;
  let agent: AgentProcess | undefined;

  beforeEach(async () => {
    vault = await startVaultFixture({ backend });
    api = vault.backend.api;
    await api.policy('app-kv', APP_POLICY);
    await api.write('secret/data/app/config', { data: { api_key: 'auth-e2e-value' } });
  });
  afterEach(async function () {
    if (agent && this.currentTest?.state === 'failed') console.log(agent.describe());
    await agent?.stop('SIGKILL');
    agent = undefined;
    await vault.close();
  });

  async function run(auth: Record<string, unknown>, ready = true): Promise<AgentProcess> {
    agent = AgentProcess.start(['run', '--config', await vault.writeConfig(vault.config([SECRET], { auth }))]);
    if (ready) await agent.waitReady();
    return agent;
  }

  const secretOnDisk = async () => JSON.parse(await readFile(join(vault.secretsDir, 'app.json'), 'utf8')).api_key as string;
  const logins = async (method: string) => sample(await agent!.metrics(), 'vaultlet_logins_total', { method, result: 'success' }) ?? 0;
  const everythingLogged = () => agent!.rawStdout.join('\n') + agent!.stderr;

  describe('jwt (Vault verifies the projected token against the issuer key; no TokenReview)', () => {
    beforeEach(async () => {
      await api.write('auth/jwt/config', { jwt_validation_pubkeys: [vault.issuer.publicKeyPem], bound_issuer: DEMO_ISSUER });
      await api.write('auth/jwt/role/app', {
        role_type: 'jwt', bound_audiences: [AUDIENCE], bound_subject: 'system:serviceaccount:default:app', user_claim: 'sub',
        token_policies: ['app-kv'], token_ttl: '1h',
      });
    });

    it('logs in with a token for the role audience and writes the secret', async () => {
      const tokenPath = join(vault.base, 'jwt-token');
      await writeFile(tokenPath, await vault.issuer.sign({ namespace: 'default', name: 'app', audience: AUDIENCE }));
      await run({ method: 'jwt', role: 'app', token_path: tokenPath, audience: AUDIENCE });
      assert.equal(await secretOnDisk(), 'auth-e2e-value');
      assert.equal(await logins('jwt'), 1);
      assert.equal(vault.backend.countRequests({ path: 'auth/jwt/login', status: 200 }), 1);
      assert.equal(vault.backend.countRequests({ path: 'auth/kubernetes/login' }), 0);
    });

    it('refuses a token minted for another audience: names the file and both audiences, never the token, stays not ready', async () => {
      const tokenPath = join(vault.base, 'jwt-token');
      const wrongToken = await vault.issuer.sign({ namespace: 'default', name: 'app', audience: 'vault' });
      await writeFile(tokenPath, wrongToken);
      const url = await (await run({ method: 'jwt', role: 'app', token_path: tokenPath, audience: AUDIENCE }, false)).waitFor('the listener', () => agent!.metricsUrl);
      const failed = await agent!.waitForLog('Vault login failed');
      const message = (failed.error as { message: string }).message;
      assert.ok(message.includes(tokenPath), message);
      assert.ok(message.includes(`"${AUDIENCE}"`) && message.includes('"vault"'), message);
      assert.equal((await fetch(`${url}/readyz`)).status, 503);
      assert.equal(vault.backend.countRequests({ path: 'auth/jwt/login' }), 0, 'refused before sending it to Vault');
      const [, payload, signature] = wrongToken.split('.');
      assert.ok(!everythingLogged().includes(payload!) && !everythingLogged().includes(signature!), 'the token is never logged');

      // The operator fixes the projected volume's audience: the next token is used without a restart.
      await writeFile(tokenPath, await vault.issuer.sign({ namespace: 'default', name: 'app', audience: AUDIENCE }));
      await agent!.waitReady(10_000);
      assert.equal(await secretOnDisk(), 'auth-e2e-value');
    });
  });

  it('approle with a wrapped secret_id: unwraps it once, removes the file, and logs in again from memory after a revocation', async () => {
    await api.write('auth/approle/role/app', { token_policies: ['app-kv'], token_ttl: '1h', secret_id_num_uses: 0 });
    const roleId = (await api.read('auth/approle/role/app/role-id')).data!['role_id'] as string;
    const wrapped = (await api.write('auth/approle/role/app/secret-id', {}, { wrapTtl: '5m' })).wrap_info!;
    assert.equal(wrapped.creation_path, 'auth/approle/role/app/secret-id');
    const roleIdFile = join(vault.base, 'role-id');
    const secretIdFile = join(vault.base, 'secret-id');
    await writeFile(roleIdFile, `${roleId}\n`);
    await writeFile(secretIdFile, wrapped.token);

    await run({ method: 'approle', role_id_file: roleIdFile, secret_id_file: secretIdFile, secret_id_wrapped: true, remove_secret_id_file: true });
    assert.equal(await secretOnDisk(), 'auth-e2e-value');
    await assert.rejects(access(secretIdFile), { code: 'ENOENT' }, 'remove_secret_id_file removed it');
    await access(roleIdFile);
    const lookup = await api.send('POST', 'sys/wrapping/lookup', { body: { token: wrapped.token } });
    assert.equal(lookup.status, 400, 'the wrapping token was used up');

    const accessor = vault.backend.requests.find((r) => r.path === 'secret/data/app/config' && r.method === 'GET')?.tokenAccessor;
    assert.ok(accessor && await vault.backend.revokeTokenByAccessor(accessor));
    await agent!.waitFor('a second login', async () => (await logins('approle')) >= 2, 10_000);
    await agent!.waitReady(5_000);
    const approleLogins = vault.backend.requests.filter((r) => r.path === 'auth/approle/login' && r.status === 200);
    assert.equal(approleLogins.length, 2);
    const secretIds = approleLogins.map((r) => (r.body as { secret_id: string }).secret_id);
    assert.equal(secretIds[1], secretIds[0], 'the second login reused the unwrapped secret_id kept in memory');
    assert.equal(vault.backend.countRequests({ path: 'sys/wrapping/unwrap' }), 1, 'unwrapped once');
    assert.equal(vault.backend.countRequests({ path: 'auth/approle/role/app/secret-id' }), 0, 'the agent never asked for a new secret_id');
    const logged = everythingLogged();
    assert.ok(!logged.includes(secretIds[0]!) && !logged.includes(wrapped.token) && !logged.includes(roleId), 'no credential is logged');
  });

  it('token_file with wrapped: true unwraps a wrapped token create and uses the token inside, leaving it alive on exit', async () => {
    const wrapped = (await api.write('auth/token/create', { policies: ['app-kv'], ttl: '1h' }, { wrapTtl: '5m' })).wrap_info!;
    const tokenFile = join(vault.base, 'vault-token');
    await writeFile(tokenFile, wrapped.token);
    await run({ method: 'token_file', path: tokenFile, wrapped: true });
    assert.equal(await secretOnDisk(), 'auth-e2e-value');
    assert.equal((await api.send('POST', 'sys/wrapping/lookup', { body: { token: wrapped.token } })).status, 400, 'the wrapping token was used up');
    const read = vault.backend.requests.find((r) => r.path === 'secret/data/app/config' && r.method === 'GET' && r.status === 200);
    assert.ok(read?.tokenAccessor, 'the secret was read with a token');
    assert.equal(vault.backend.countRequests({ path: 'sys/wrapping/unwrap', status: 200 }), 1);
    assert.ok(!everythingLogged().includes(wrapped.token));
    const tokens = await vault.backend.tokenCount();
    assert.equal(await agent!.stop('SIGTERM'), 0);
    assert.equal(await vault.backend.tokenCount(), tokens, 'a token the agent did not create is not revoked');
  });
});
