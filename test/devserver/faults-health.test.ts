import assert from 'node:assert/strict';
import { startDevServer, type DevServer } from '../../src/devserver/index.js';
import { call, client, vaultError } from './helpers.js';

describe('devserver health, sealing, faults and recording', () => {
  let server: DevServer;
  beforeEach(async () => {
    server = await startDevServer({ port: 0 });
  });
  afterEach(() => server.close());

  it('reports health and honours the sealed/active code parameters', async () => {
    const healthy = await call(server, 'GET', '/v1/sys/health');
    assert.equal(healthy.status, 200);
    assert.equal(healthy.body.initialized, true);
    assert.equal(healthy.body.sealed, false);
    assert.match(healthy.body.version, /^1\.15\./);
    assert.equal((await call(server, 'GET', '/v1/sys/health?activecode=204')).status, 204);

    server.faults.sealed = true;
    const sealed = await call(server, 'GET', '/v1/sys/health');
    assert.equal(sealed.status, 503);
    assert.equal(sealed.body.sealed, true);
    assert.equal((await call(server, 'GET', '/v1/sys/health?sealedcode=200')).status, 200);
    assert.equal((await call(server, 'HEAD', '/v1/sys/health')).status, 503);
  });

  it('answers 503 Vault is sealed while sealed, and unseals with any key', async () => {
    await client(server).write('sys/seal', {});
    const refused = await vaultError(client(server).read('secret/data/x'));
    assert.equal(refused.status, 503);
    assert.deepEqual(refused.body, { errors: ['Vault is sealed'] });
    assert.equal((await client(server).status()).sealed, true);
    const unsealed = await client(server).unseal({ key: 'anything' });
    assert.equal(unsealed.sealed, false);
    assert.equal((await vaultError(client(server).read('secret/data/x'))).status, 404);
  });

  it('injects errors on matching paths with Retry-After', async () => {
    Object.assign(server.faults, { errorStatus: 429, errorRate: 1, errorPathPattern: /^secret\//, retryAfterSeconds: 7 });
    const limited = await call(server, 'GET', '/v1/secret/data/x', { token: 'root' });
    assert.equal(limited.status, 429);
    assert.deepEqual(limited.body, { errors: ['injected fault'] });
    assert.equal(limited.headers.get('retry-after'), '7');
    assert.equal((await call(server, 'GET', '/v1/sys/health')).status, 200, 'other paths unaffected');
    server.faults.errorRate = 0;
    assert.equal((await call(server, 'GET', '/v1/secret/data/x', { token: 'root' })).status, 404);
  });

  it('adds latency before answering', async () => {
    server.faults.latencyMs = 150;
    const started = Date.now();
    await call(server, 'GET', '/v1/sys/health');
    assert.ok(Date.now() - started >= 140);
  });

  it('records every request with status, body and token accessor, and can be cleared', async () => {
    const vault = client(server);
    await vault.write('secret/data/rec', { data: { a: 1 } });
    await vaultError(vault.read('secret/data/missing?version=3'));
    await vault.list('secret/metadata/');
    const self = await vault.tokenLookupSelf();
    const [write, read, list] = server.requests;
    assert.deepEqual(
      { method: write!.method, path: write!.path, body: write!.body, status: write!.status },
      { method: 'POST', path: 'secret/data/rec', body: { data: { a: 1 } }, status: 200 },
    );
    assert.equal(write!.tokenAccessor, self.data.accessor);
    assert.deepEqual({ path: read!.path, query: read!.query, status: read!.status }, { path: 'secret/data/missing', query: { version: '3' }, status: 404 });
    assert.equal(list!.method, 'LIST');
    assert.equal(server.requests.length, 4);
    server.requests.length = 0;
    await call(server, 'GET', '/v1/sys/health');
    assert.equal(server.requests.length, 1);
  });

  it('closes idempotently even with a keep-alive connection open', async () => {
    const agent = await import('node:http');
    const keepAlive = new agent.Agent({ keepAlive: true });
    await new Promise<void>((resolve, reject) => {
      agent.get(`${server.url}/v1/sys/health`, { agent: keepAlive }, (res) => res.resume().on('end', resolve)).on('error', reject);
    });
    const started = Date.now();
    await Promise.all([server.close(), server.close()]);
    await server.close();
    assert.ok(Date.now() - started < 1000);
    keepAlive.destroy();
  });

  it('answers malformed JSON with 400 in Vault error shape', async () => {
    const response = await fetch(`${server.url}/v1/secret/data/x`, { method: 'POST', headers: { 'X-Vault-Token': 'root' }, body: '{nope' });
    assert.equal(response.status, 400);
    assert.ok(Array.isArray(((await response.json()) as { errors: unknown }).errors));
  });
});
