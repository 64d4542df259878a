import assert from 'node:assert/strict';
import { startDevServer, type DevServer } from '../../src/devserver/index.js';
import { call, client, vaultError } from './helpers.js';

describe('devserver kv v2 (through node-vault)', () => {
  let server: DevServer;
  beforeEach(async () => {
    server = await startDevServer({ port: 0 });
  });
  afterEach(() => server.close());

  it('writes versions and reads the latest or a given version', async () => {
    const vault = client(server);
    const first = await vault.write('secret/data/app/db/config', { data: { user: 'a' } });
    assert.equal(first.data.version, 1);
    await vault.write('secret/data/app/db/config', { data: { user: 'b' } });
    const latest = await vault.read('secret/data/app/db/config');
    assert.deepEqual(latest.data.data, { user: 'b' });
    assert.equal(latest.data.metadata.version, 2);
    assert.equal(latest.lease_duration, 0);
    assert.equal(latest.lease_id, '');
    assert.equal(latest.renewable, false);
    const old = await vault.read('secret/data/app/db/config?version=1');
    assert.deepEqual(old.data.data, { user: 'a' });
  });

  it('answers 404 with an empty errors list for a missing secret', async () => {
    const refused = await vaultError(client(server).read('secret/data/nope'));
    assert.equal(refused.status, 404);
    assert.deepEqual(refused.body, { errors: [] });
  });

  it('enforces check-and-set', async () => {
    const vault = client(server);
    await vault.write('secret/data/cas', { data: { v: 1 }, options: { cas: 0 } });
    const refused = await vaultError(vault.write('secret/data/cas', { data: { v: 2 }, options: { cas: 0 } }));
    assert.equal(refused.status, 400);
    assert.deepEqual(refused.body.errors, ['check-and-set parameter did not match the current version']);
    const ok = await vault.write('secret/data/cas', { data: { v: 2 }, options: { cas: 1 } });
    assert.equal(ok.data.version, 2);
  });

  it('soft-deletes, undeletes and destroys versions', async () => {
    const vault = client(server);
    await vault.write('secret/data/d', { data: { v: 1 } });
    await vault.write('secret/data/d', { data: { v: 2 } });
    await vault.delete('secret/data/d');
    const deleted = await vaultError(vault.read('secret/data/d'));
    assert.equal(deleted.status, 404);
    assert.equal(deleted.body.data.data, null);
    assert.notEqual(deleted.body.data.metadata.deletion_time, '');
    await vault.write('secret/undelete/d', { versions: [2] });
    assert.deepEqual((await vault.read('secret/data/d')).data.data, { v: 2 });
    await vault.write('secret/destroy/d', { versions: [1] });
    const destroyed = await vaultError(vault.read('secret/data/d?version=1'));
    assert.equal(destroyed.body.data.metadata.destroyed, true);
    await vault.write('secret/delete/d', { versions: [2] });
    assert.equal((await vaultError(vault.read('secret/data/d'))).status, 404);
  });

  it('lists keys with LIST and with ?list=true, and reads and deletes metadata', async () => {
    const vault = client(server);
    await vault.write('secret/data/app/one', { data: { a: 1 } });
    await vault.write('secret/data/app/sub/two', { data: { a: 1 } });
    const listed = await vault.list('secret/metadata/app');
    assert.deepEqual(listed.data.keys, ['one', 'sub/']);
    const viaQuery = await call(server, 'GET', '/v1/secret/metadata/?list=true', { token: 'root' });
    assert.deepEqual(viaQuery.body.data.keys, ['app/']);
    const metadata = await vault.read('secret/metadata/app/one');
    assert.equal(metadata.data.current_version, 1);
    assert.ok(metadata.data.versions['1']);
    await vault.delete('secret/metadata/app/one');
    assert.equal((await vaultError(vault.read('secret/data/app/one'))).status, 404);
    assert.equal((await vaultError(vault.list('secret/metadata/nothing'))).status, 404);
  });

  it('refuses a write without data and an unsupported method', async () => {
    const noData = await vaultError(client(server).write('secret/data/x', { nope: 1 }));
    assert.equal(noData.status, 400);
    const patch = await call(server, 'PATCH', '/v1/secret/data/x', { token: 'root', body: {} });
    assert.equal(patch.status, 405);
  });
});
