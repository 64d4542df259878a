import assert from 'node:assert/strict';
import { startDevServer, type DevServer } from '../../src/devserver/index.js';
import { call, client, vaultError } from './helpers.js';

describe('devserver policies over HTTP', () => {
  let server: DevServer;
  beforeEach(async () => {
    server = await startDevServer({ port: 0 });
    const root = client(server);
    await root.write('secret/data/app/config', { data: { a: 1 } });
    await root.write('secret/data/app/admin', { data: { a: 1 } });
    await root.write('secret/data/team/blue/shared', { data: { a: 1 } });
    await root.write('secret/data/other', { data: { a: 1 } });
  });
  afterEach(() => server.close());

  async function tokenWith(policies: string[]): Promise<string> {
    const created = await call(server, 'POST', '/v1/auth/token/create', { token: 'root', body: { policies, ttl: '1h' } });
    return created.body.auth.client_token;
  }

  it('stores HCL and JSON policies under sys/policies/acl and enforces them', async () => {
    const hcl = 'path "secret/data/app/*" {\n  capabilities = ["read"]\n}\npath "secret/data/app/admin" { capabilities = ["deny"] }';
    assert.equal((await call(server, 'PUT', '/v1/sys/policies/acl/app', { token: 'root', body: { policy: hcl } })).status, 204);
    const json = JSON.stringify({ path: { 'secret/data/+/+/shared': { capabilities: ['read', 'create', 'update'] } } });
    assert.equal((await call(server, 'PUT', '/v1/sys/policies/acl/team', { token: 'root', body: { policy: json } })).status, 204);
    const read = await call(server, 'GET', '/v1/sys/policies/acl/app', { token: 'root' });
    assert.equal(read.body.data.policy, hcl);
    const listed = await call(server, 'LIST', '/v1/sys/policies/acl', { token: 'root' });
    assert.deepEqual(listed.body.data.keys, ['app', 'default', 'root', 'team']);

    const vault = client(server, await tokenWith(['app', 'team']));
    assert.deepEqual((await vault.read('secret/data/app/config')).data.data, { a: 1 });
    assert.deepEqual((await vault.read('secret/data/team/blue/shared')).data.data, { a: 1 });
    await vault.write('secret/data/team/blue/shared', { data: { a: 2 } });
    const denied = await vaultError(vault.read('secret/data/app/admin'));
    assert.equal(denied.status, 403);
    assert.deepEqual(denied.body.errors, ['1 error occurred:\n\t* permission denied\n\n']);
    assert.equal((await vaultError(vault.read('secret/data/other'))).status, 403);
    assert.equal((await vaultError(vault.write('secret/data/app/config', { data: {} }))).status, 403);
    assert.equal((await vaultError(vault.read('sys/policies/acl/app'))).status, 403);
  });

  it('tells create from update with the existence check, like Vault', async () => {
    await client(server).addPolicy({ name: 'creator', rules: 'path "secret/data/*" { capabilities = ["create"] }' });
    const vault = client(server, await tokenWith(['creator']));
    await vault.write('secret/data/new-one', { data: { a: 1 } });
    assert.equal((await vaultError(vault.write('secret/data/new-one', { data: { a: 2 } }))).status, 403);
  });

  it('keeps root and default policies and refuses bad policy text', async () => {
    assert.equal((await call(server, 'DELETE', '/v1/sys/policies/acl/default', { token: 'root' })).status, 400);
    assert.equal((await call(server, 'PUT', '/v1/sys/policies/acl/root', { token: 'root', body: { policy: 'path "x" {}' } })).status, 400);
    const bad = await call(server, 'PUT', '/v1/sys/policies/acl/bad', { token: 'root', body: { policy: 'path "x" { capabilities = ["fly"] }' } });
    assert.equal(bad.status, 400);
    assert.equal((await call(server, 'GET', '/v1/sys/policies/acl/missing', { token: 'root' })).status, 404);
  });

  it('answers 404 for unknown paths to root and 403 to other tokens', async () => {
    assert.deepEqual((await call(server, 'GET', '/v1/nowhere/x', { token: 'root' })).body, { errors: [] });
    assert.equal((await call(server, 'GET', '/v1/nowhere/x', { token: await tokenWith(['nothing']) })).status, 403);
  });
});
