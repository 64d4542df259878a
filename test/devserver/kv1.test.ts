import assert from 'node:assert/strict';
import { startDevServer, type DevServer } from '../../src/devserver/index.js';
import { call, client } from './helpers.js';

/** Vault's mount default lease TTL (768 h), which KV v1 reports when the data has no ttl key. */
const DEFAULT_HINT = 2_764_800;

describe('devserver KV version 1 at kv/', () => {
  let server: DevServer;
  beforeEach(async () => {
    server = await startDevServer({ port: 0 });
  });
  afterEach(() => server.close());

  const root = (method: string, path: string, body?: unknown) => call(server, method, `/v1/${path}`, { token: 'root', body });

  it('reads back what was written, with no lease and the 768 h re-read hint', async () => {
    const written = await root('POST', 'kv/app/db', { user: 'app', port: 5432, nested: { tls: true } });
    assert.equal(written.status, 204);
    const read = await client(server).read('kv/app/db');
    assert.deepEqual(read.data, { user: 'app', port: 5432, nested: { tls: true } });
    assert.equal(read.lease_id, '');
    assert.equal(read.renewable, false);
    assert.equal(read.lease_duration, DEFAULT_HINT);
    assert.equal(read.mount_type, 'kv');
  });

  it('replaces the whole entry on every write (no merge, no versions)', async () => {
    await root('PUT', 'kv/app', { a: '1', b: '2' });
    await root('PUT', 'kv/app', { c: '3' });
    assert.deepEqual((await client(server).read('kv/app')).data, { c: '3' });
  });

  it('reports a ttl key in the data as lease_duration, as Vault does', async () => {
    await root('POST', 'kv/hourly', { ttl: '1h', k: 'v' });
    await root('POST', 'kv/seconds', { ttl: 90, k: 'v' });
    await root('POST', 'kv/garbled', { ttl: 'soon', k: 'v' });
    await root('POST', 'kv/legacy', { lease: '30m', k: 'v' });
    const hourly = await client(server).read('kv/hourly');
    assert.equal(hourly.lease_duration, 3600);
    assert.equal(hourly.lease_id, '', 'the ttl is a hint: still no lease');
    assert.equal(hourly.data.ttl, '1h', 'the ttl key stays in the data');
    assert.equal((await client(server).read('kv/seconds')).lease_duration, 90);
    assert.equal((await client(server).read('kv/garbled')).lease_duration, DEFAULT_HINT);
    assert.equal((await client(server).read('kv/legacy')).lease_duration, 1800);
  });

  it('answers a missing or deleted entry with 404 and an empty errors list', async () => {
    const missing = await root('GET', 'kv/nothing');
    assert.deepEqual([missing.status, missing.body], [404, { errors: [] }]);
    await root('POST', 'kv/gone', { k: 'v' });
    assert.equal((await root('DELETE', 'kv/gone')).status, 204);
    const after = await root('GET', 'kv/gone');
    assert.equal(after.status, 404);
    assert.deepEqual(after.body, { errors: [] });
    assert.equal((await root('DELETE', 'kv/never-there')).status, 204, 'delete of a missing key is not an error');
  });

  it('refuses a write without data', async () => {
    const refused = await root('POST', 'kv/empty', {});
    assert.equal(refused.status, 400);
    assert.deepEqual(refused.body.errors, ['missing data fields']);
  });

  it('lists direct children with sub-folders ending in "/", and 404 for an empty folder', async () => {
    for (const path of ['kv/top', 'kv/app/db', 'kv/app/nested/deep', 'kv/app/api']) await root('POST', path, { k: 'v' });
    assert.deepEqual((await client(server).list('kv')).data.keys, ['app/', 'top']);
    assert.deepEqual((await root('LIST', 'kv/app/')).body.data.keys, ['api', 'db', 'nested/']);
    assert.deepEqual((await root('GET', 'kv/app?list=true')).body.data.keys, ['api', 'db', 'nested/']);
    assert.equal((await root('LIST', 'kv/none/')).status, 404);
  });

  it('checks policies per path and tells create from update', async () => {
    await root('POST', 'kv/app/db', { k: 'v' });
    await client(server).addPolicy({
      name: 'kv-reader',
      rules: 'path "kv/app/*" { capabilities = ["read", "list"] }\npath "kv/drop/*" { capabilities = ["create"] }',
    });
    const created = await root('POST', 'auth/token/create', { policies: ['kv-reader'] });
    const token = created.body.auth.client_token as string;
    const as = (method: string, path: string, body?: unknown) => call(server, method, `/v1/${path}`, { token, body });
    assert.equal((await as('GET', 'kv/app/db')).status, 200);
    assert.equal((await as('LIST', 'kv/app/')).status, 200);
    assert.deepEqual(await as('GET', 'kv/other').then((r) => [r.status, r.body]), [403, { errors: ['1 error occurred:\n\t* permission denied\n\n'] }]);
    assert.equal((await as('POST', 'kv/app/db', { k: 'x' })).status, 403, 'read-only path');
    assert.equal((await as('POST', 'kv/drop/new', { k: 'x' })).status, 204, 'create allows a new key');
    assert.equal((await as('POST', 'kv/drop/new', { k: 'y' })).status, 403, 'but not overwriting it (update)');
    assert.equal((await call(server, 'GET', '/v1/kv/app/db')).status, 403, 'no token');
  });
});
