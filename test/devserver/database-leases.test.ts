import assert from 'node:assert/strict';
import { InMemoryDatabaseBackend, startDevServer, type DevServer } from '../../src/devserver/index.js';
import { call, client, fakeClock, vaultError } from './helpers.js';

describe('devserver database credentials and leases', () => {
  let server: DevServer;
  let backend: InMemoryDatabaseBackend;
  const clock = fakeClock();

  beforeEach(async () => {
    backend = new InMemoryDatabaseBackend();
    server = await startDevServer({ port: 0, now: clock.now, databaseBackend: backend });
    const root = client(server);
    await root.write('database/config/pg', { plugin_name: 'postgresql-database-plugin', allowed_roles: 'app', connection_url: 'postgresql://x' });
    await root.write('database/roles/app', {
      db_name: 'pg',
      creation_statements: ["CREATE ROLE \"{{name}}\" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}';"],
      default_ttl: '1h',
      max_ttl: '2h',
    });
    await root.addPolicy({
      name: 'app',
      rules: 'path "database/creds/app" { capabilities = ["read"] }\npath "auth/token/create" { capabilities = ["update"] }',
    });
  });
  afterEach(() => server.close());

  async function appToken(): Promise<string> {
    const created = await call(server, 'POST', '/v1/auth/token/create', { token: 'root', body: { policies: ['app'], ttl: '4h' } });
    return created.body.auth.client_token;
  }

  it('issues credentials as a renewable lease and creates the user', async () => {
    const creds = await client(server, await appToken()).read('database/creds/app');
    assert.match(creds.lease_id, /^database\/creds\/app\/\w+$/);
    assert.equal(creds.renewable, true);
    assert.equal(creds.lease_duration, 3600);
    assert.match(creds.data.username, /^v-token-app-\w{20}-\d+$/);
    assert.equal(creds.data.password.length, 20);
    assert.equal(backend.users.get(creds.data.username)?.password, creds.data.password);
    assert.equal(server.leaseCount('database/creds/app'), 1);
    assert.equal(server.leasesIssued('database/'), 1);
    const role = await client(server).read('database/roles/app');
    assert.equal(role.data.default_ttl, 3600);
    assert.equal(role.data.max_ttl, 7200);
    assert.deepEqual((await client(server).list('database/roles')).data.keys, ['app']);
  });

  it('renews up to max_ttl, then caps with a warning; the default policy allows renew and lookup', async () => {
    const token = await appToken();
    const vault = client(server, token);
    const creds = await vault.read('database/creds/app');
    clock.advanceSeconds(1800);
    const renewed = await vault.write('sys/leases/renew', { lease_id: creds.lease_id, increment: 1800 });
    assert.equal(renewed.lease_duration, 1800);
    assert.equal(renewed.lease_id, creds.lease_id);
    assert.equal(renewed.data, null);
    clock.advanceSeconds(1500);
    const capped = await vault.renew({ lease_id: creds.lease_id, increment: 7200 });
    assert.equal(capped.lease_duration, 3900);
    assert.deepEqual(capped.warnings, [
      'TTL of "2h0m0s" exceeded the effective max_ttl of "1h5m0s"; TTL value is capped accordingly',
    ]);
    // As in Vault, the default policy grants sys/leases/renew but not the lease-id-in-URL form.
    assert.equal((await vaultError(vault.write(`sys/leases/renew/${creds.lease_id}`, {}))).status, 403);
    const noIncrement = await client(server).write(`sys/leases/renew/${creds.lease_id}`, {});
    assert.equal(noIncrement.lease_duration, 3600, 'without increment the role default_ttl applies');
    const lookup = await vault.write('sys/leases/lookup', { lease_id: creds.lease_id });
    assert.equal(lookup.data.id, creds.lease_id);
    assert.equal(lookup.data.ttl, 3600);
    assert.equal(lookup.data.renewable, true);
    assert.ok(lookup.data.last_renewal);
  });

  it('expires leases on their own and drops the user', async () => {
    const vault = client(server, await appToken());
    const creds = await vault.read('database/creds/app');
    clock.advanceSeconds(3601);
    assert.equal(server.leaseCount(), 0);
    const refused = await vaultError(vault.renew({ lease_id: creds.lease_id }));
    assert.equal(refused.status, 400);
    assert.deepEqual(refused.body.errors, ['lease not found']);
    const lookup = await vaultError(vault.write('sys/leases/lookup', { lease_id: creds.lease_id }));
    assert.deepEqual(lookup.body.errors, ['invalid lease']);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(backend.users.size, 0);
  });

  it('revokes a lease through the API and server-side', async () => {
    const vault = client(server, await appToken());
    const first = await vault.read('database/creds/app');
    const second = await vault.read('database/creds/app');
    const revoked = await call(server, 'PUT', '/v1/sys/leases/revoke', { token: 'root', body: { lease_id: first.lease_id } });
    assert.equal(revoked.status, 204);
    server.revokeLease(second.lease_id);
    assert.equal(server.leaseCount(), 0);
    assert.equal(server.leasesIssued(), 2);
    assert.equal((await vaultError(vault.renew({ lease_id: second.lease_id }))).status, 400);
    const denied = await vaultError(vault.revoke({ lease_id: 'database/creds/app/x' }));
    assert.equal(denied.status, 403, 'the default policy does not grant sys/leases/revoke');
  });

  it('revokes every lease of a token when the token is revoked or expires', async () => {
    const token = await appToken();
    const vault = client(server, token);
    const creds = await vault.read('database/creds/app');
    await vault.read('database/creds/app');
    server.revokeToken(token);
    assert.equal(server.leaseCount(), 0);
    assert.equal((await vaultError(client(server).renew({ lease_id: creds.lease_id }))).status, 400);

    const shortLived = (await call(server, 'POST', '/v1/auth/token/create', { token: 'root', body: { policies: ['app'], ttl: '10m' } })).body.auth.client_token;
    const more = await client(server, shortLived).read('database/creds/app');
    assert.equal(more.lease_duration, 3600, 'lease TTL is not capped by the token TTL');
    clock.advanceSeconds(601);
    assert.equal(server.leaseCount(), 0, 'token expiry revoked its lease');
  });

  it('answers Vault errors for unknown roles and missing lease ids', async () => {
    const unknown = await vaultError(client(server).read('database/creds/nope'));
    assert.equal(unknown.status, 400);
    assert.deepEqual(unknown.body.errors, ['unknown role: nope']);
    const missing = await call(server, 'PUT', '/v1/sys/leases/renew', { token: 'root', body: {} });
    assert.deepEqual(missing.body.errors, ['lease_id must be specified']);
  });
});
