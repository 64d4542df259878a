import assert from 'node:assert/strict';
import { startDevServer, type DevServer } from '../../src/devserver/index.js';
import { call } from './helpers.js';

describe('devserver lease listing, token accessors and revoke-prefix', () => {
  let server: DevServer;
  beforeEach(async () => {
    server = await startDevServer({ port: 0 });
  });
  afterEach(() => server.close());
  const root = (method: string, path: string, body?: unknown) => call(server, method, `/v1/${path}`, { token: server.rootToken, ...(body ? { body } : {}) });

  it('lists live leases one level at a time below a prefix, and token accessors', async () => {
    await root('POST', 'database/roles/app', { db_name: 'x', creation_statements: ['CREATE ROLE "{{name}}";'], default_ttl: '1h' });
    const leases = [];
    for (let i = 0; i < 2; i++) leases.push((await root('GET', 'database/creds/app')).body.lease_id as string);
    assert.deepEqual((await root('LIST', 'sys/leases/lookup/')).body.data.keys, ['database/']);
    assert.deepEqual((await root('LIST', 'sys/leases/lookup/database/creds/')).body.data.keys, ['app/']);
    assert.deepEqual((await root('LIST', 'sys/leases/lookup/database/creds/app/')).body.data.keys, leases.map((id) => id.split('/').at(-1)).sort());
    assert.equal((await root('LIST', 'sys/leases/lookup/pki/')).status, 404);
    const accessors = (await root('LIST', 'auth/token/accessors')).body.data.keys as string[];
    assert.equal(accessors.length, 1, 'the root token');
  });

  it('revoke-prefix on auth/<mount> revokes the tokens that mount issued, and their leases', async () => {
    await root('POST', 'auth/approle/role/app', { token_ttl: '1h' });
    await root('POST', 'database/roles/app', { db_name: 'x', creation_statements: ['CREATE ROLE "{{name}}";'], default_ttl: '1h' });
    await root('POST', 'sys/policies/acl/creds', { policy: 'path "database/creds/app" { capabilities = ["read"] }' });
    await root('POST', 'auth/approle/role/app', { token_policies: ['creds'] });
    const roleId = (await root('GET', 'auth/approle/role/app/role-id')).body.data.role_id;
    const secretId = (await root('POST', 'auth/approle/role/app/secret-id')).body.data.secret_id;
    const login = await call(server, 'POST', '/v1/auth/approle/login', { body: { role_id: roleId, secret_id: secretId } });
    const token = login.body.auth.client_token as string;
    const other = (await root('POST', 'auth/token/create', { ttl: '1h' })).body.auth.client_token as string;
    assert.equal((await call(server, 'GET', '/v1/database/creds/app', { token })).status, 200);
    assert.equal(server.leaseCount('database/creds/app'), 1);
    assert.equal((await root('PUT', 'sys/leases/revoke-prefix/auth/approle')).status, 204);
    assert.equal((await call(server, 'GET', '/v1/auth/token/lookup-self', { token })).status, 403);
    assert.equal(server.leaseCount('database/creds/app'), 0, 'the token took its lease with it');
    assert.equal((await call(server, 'GET', '/v1/auth/token/lookup-self', { token: other })).status, 200, 'a token of another mount stays');
  });
});
