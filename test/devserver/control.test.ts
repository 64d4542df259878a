import assert from 'node:assert/strict';
import { startDevServer, type DevServer } from '../../src/devserver/index.js';
import { call, client, vaultError } from './helpers.js';

describe('devserver /__dev control endpoints', () => {
  let server: DevServer;
  beforeEach(async () => {
    server = await startDevServer({ port: 0, rootToken: 'dev-root' });
    await client(server).write('database/roles/app', { db_name: 'pg', creation_statements: 'CREATE ROLE', default_ttl: 60 });
  });
  afterEach(() => server.close());

  it('requires the root token', async () => {
    assert.equal((await call(server, 'GET', '/__dev/stats')).status, 403);
    assert.equal((await call(server, 'GET', '/__dev/stats', { token: 'root' })).status, 403);
  });

  it('merges faults, with errorPathPattern as a string', async () => {
    const set = await call(server, 'POST', '/__dev/faults', {
      token: 'dev-root', body: { errorStatus: 503, errorRate: 1, errorPathPattern: '^database/creds/', retryAfterSeconds: 2 },
    });
    assert.equal(set.status, 200);
    assert.equal(new RegExp(set.body.errorPathPattern).source, new RegExp('^database/creds/').source);
    assert.ok(server.faults.errorPathPattern?.test('database/creds/app'));
    const refused = await vaultError(client(server).read('database/creds/app'));
    assert.equal(refused.status, 503);
    await call(server, 'POST', '/__dev/faults', { token: 'dev-root', body: { errorStatus: 0, sealed: true } });
    assert.equal(server.faults.sealed, true);
    assert.equal((await call(server, 'POST', '/__dev/faults', { token: 'dev-root', body: { bogus: 1 } })).status, 400);
  });

  it('revokes tokens and leases, reports stats and requests, and is not recorded', async () => {
    const creds = await client(server).read('database/creds/app');
    const token = (await client(server).tokenCreate({ ttl: '1h', policies: ['x'] })).auth.client_token;
    let stats = await call(server, 'GET', '/__dev/stats', { token: 'dev-root' });
    assert.deepEqual(stats.body, { leases: 1, leasesIssued: 1, tokens: 1 });
    assert.equal((await call(server, 'POST', '/__dev/revoke-lease', { token: 'dev-root', body: { lease_id: creds.lease_id } })).status, 204);
    assert.equal((await call(server, 'POST', '/__dev/revoke-token', { token: 'dev-root', body: { token } })).status, 204);
    stats = await call(server, 'GET', '/__dev/stats', { token: 'dev-root' });
    assert.deepEqual(stats.body, { leases: 0, leasesIssued: 1, tokens: 0 });
    const requests = await call(server, 'GET', '/__dev/requests', { token: 'dev-root' });
    assert.deepEqual(requests.body.map((r: { path: string }) => r.path), ['database/roles/app', 'database/creds/app', 'auth/token/create']);
    assert.ok(server.requests.every((r) => !r.path.startsWith('__dev')));
  });
});
