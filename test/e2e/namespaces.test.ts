import assert from 'node:assert/strict';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { DEMO_ISSUER } from '../../src/demo/service-account.js';
import { AgentProcess, sample } from '../support/agent-process.js';
import { vaultConnectionConfig } from '../support/postgres.js';
import { until } from '../support/until.js';
import { forEachBackend } from '../support/vault-backend.js';
import { startVaultFixture, type VaultFixture } from '../support/vault-fixture.js';

const NAMESPACE = 'team-a';
const DB = { name: 'db', kind: 'leased', path: 'database/creds/app', file: 'db.json' };
const KV = { name: 'config', kind: 'kv2', path: 'app/config', file: 'config.json', refresh_interval: '1s' };

/**
 * Vault namespaces (X-Vault-Namespace, VAULT_NAMESPACE): a team's auth method, engines, policy and
 * leases live in their own namespace, and every request of the agent must carry it. Only OpenBao:
 * the dev server has no namespaces.
 */
forEachBackend('namespaces (real agent process)', function (backend) {
  this.timeout(60_000);
  let vault: VaultFixture;
  let agent: AgentProcess | undefined;

  beforeEach(async () => {
    vault = await startVaultFixture({ backend });
    const root = (method: string, path: string, body?: unknown) => inNamespace(vault, method, path, body);
    await vault.backend.api.write(`sys/namespaces/${NAMESPACE}`, {});
    await root('POST', 'sys/auth/kubernetes', { type: 'kubernetes' });
    await root('POST', 'auth/kubernetes/config', {
      kubernetes_host: vault.tokenReviewer.url, kubernetes_ca_cert: vault.tokenReviewer.caPem,
      token_reviewer_jwt: await vault.issuer.sign({ namespace: 'vault', name: 'vault', audience: DEMO_ISSUER }),
    });
    await root('PUT', 'sys/policies/acl/app', { policy: 'path "secret/data/app/*" { capabilities = ["read"] }\npath "database/creds/app" { capabilities = ["read"] }\n' });
    await root('POST', 'auth/kubernetes/role/app', {
      bound_service_account_names: ['demo-app'], bound_service_account_namespaces: ['default'], audience: 'vault', token_policies: ['app'], token_ttl: '1h',
    });
    await root('POST', 'sys/mounts/secret', { type: 'kv', options: { version: '2' } });
    await root('POST', 'secret/data/app/config', { data: { api_key: 'team-a-key' } });
    await root('POST', 'sys/mounts/database', { type: 'database' });
    await root('POST', 'database/config/pg', vaultConnectionConfig(vault.postgres!, 'app'));
    await root('POST', 'database/roles/app', {
      db_name: 'pg', creation_statements: [`CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}';`], default_ttl: '3s', max_ttl: '1h',
    });
  });
  afterEach(async function () {
    if (agent && this.currentTest?.state === 'failed') console.log(agent.describe());
    await agent?.stop('SIGKILL');
    agent = undefined;
    await vault.close();
  });

  const config = () => vault.writeConfig(vault.config([DB, KV], { auth: { method: 'kubernetes', role: 'app', token_path: vault.tokenPath } }));
  const liveLeases = async () => {
    const answer = await inNamespace(vault, 'LIST', 'sys/leases/lookup/database/creds/app/');
    return answer.status === 200 ? (answer.body.data.keys as string[]).length : 0;
  };

  it('logs in, reads and renews inside the namespace given by VAULT_NAMESPACE, and revokes there on SIGTERM', async () => {
    agent = AgentProcess.start(['run', '--config', await config()], { VAULT_NAMESPACE: NAMESPACE });
    await agent.waitReady();
    assert.equal(JSON.parse(await readFile(join(vault.secretsDir, 'config.json'), 'utf8')).api_key, 'team-a-key');
    assert.match(JSON.parse(await readFile(join(vault.secretsDir, 'db.json'), 'utf8')).username, /^v-/);
    await agent.waitFor('a lease renewal', async () => (sample(await agent!.metrics(), 'vaultlet_secret_renewals_total', { secret: 'db', result: 'success' }) ?? 0) >= 1, 10_000);
    assert.equal(await liveLeases(), 1);
    assert.equal(await agent.stop('SIGTERM'), 0);
    await until('the lease revoked in the namespace', async () => (await liveLeases()) === 0);
  });

  it('a restart adopts the token and lease of its namespace, and a restart into another namespace does not', async () => {
    const file = await config();
    agent = AgentProcess.start(['run', '--config', file], { VAULT_NAMESPACE: NAMESPACE });
    await agent.waitReady();
    await agent.waitFor('the state file', () => stat(vault.stateFile).then(() => true, () => false));
    await agent.stop('SIGKILL');
    const logins = () => vault.backend.countRequests({ path: 'auth/kubernetes/login', status: 200 });
    agent = AgentProcess.start(['run', '--config', file], { VAULT_NAMESPACE: NAMESPACE });
    await agent.waitReady();
    await agent.waitForLog('adopted the lease of a previous run');
    assert.equal(logins(), 1, 'adopted: no new login');
    await agent.stop('SIGKILL');

    // The same mount, role and secret in the root namespace: another Vault as far as the state
    // file goes, so nothing of team-a's is adopted and the root namespace's secret is written.
    await vault.backend.api.policy('app', 'path "secret/data/app/*" { capabilities = ["read"] }\npath "database/creds/app" { capabilities = ["read"] }\n');
    await vault.backend.api.write('auth/kubernetes/role/app', {
      bound_service_account_names: ['demo-app'], bound_service_account_namespaces: ['default'], audience: 'vault', token_policies: ['app'], token_ttl: '1h',
    });
    await vault.backend.api.write('secret/data/app/config', { data: { api_key: 'root-namespace-key' } });
    await vault.backend.api.write('database/roles/app', { db_name: 'demo-postgres', creation_statements: ['CREATE ROLE "{{name}}";'], default_ttl: '1h' });
    agent = AgentProcess.start(['run', '--config', file]);
    await agent.waitReady();
    assert.ok(!agent.lines.some((line) => /^adopted/.test(line.msg ?? '')), `nothing of another namespace is adopted:\n${agent.rawStdout.join('\n')}`);
    assert.equal(JSON.parse(await readFile(join(vault.secretsDir, 'config.json'), 'utf8')).api_key, 'root-namespace-key');
    assert.equal(logins(), 2);
  });
}, ['openbao']);

async function inNamespace(vault: VaultFixture, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(`${vault.backend.directUrl}/v1/${path}${method === 'LIST' ? '?list=true' : ''}`, {
    method: method === 'LIST' ? 'GET' : method,
    headers: { 'X-Vault-Token': vault.backend.rootToken, 'X-Vault-Namespace': NAMESPACE, 'content-type': 'application/json' },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  const answer = { status: response.status, body: text ? JSON.parse(text) : {} };
  if (method !== 'LIST' && (answer.status < 200 || answer.status > 299)) throw new Error(`${method} ${NAMESPACE}/${path}: ${answer.status} ${text}`);
  return answer;
}
