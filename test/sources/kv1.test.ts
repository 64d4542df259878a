import assert from 'node:assert/strict';
import { startDevServer, type DevServer } from '../../src/devserver/index.js';
import { SecretDataError, VaultPermissionDeniedError, VaultRequestRejectedError } from '../../src/errors.js';
import { kv1Source } from '../../src/sources/kv1.js';
import type { VaultClient } from '../../src/vault/client.js';
import { call } from '../devserver/helpers.js';
import { startFakeVault } from '../support/fake-vault.js';
import { testClient } from '../vault/helpers.js';

const NOW = 1_700_000_000_000;
const signal = new AbortController().signal;

describe('kv1Source against the dev server', () => {
  let server: DevServer;
  let vault: VaultClient;
  beforeEach(async () => {
    server = await startDevServer({ port: 0 });
    vault = testClient(server.url, { maxRetries: 0 });
  });
  afterEach(async () => {
    vault.close();
    await server.close();
  });

  const put = (path: string, body: unknown) => call(server, 'POST', `/v1/${path}`, { token: 'root', body });

  it('reads <mount>/<path> and maps the data without a lease, re-read on the configured interval', async () => {
    await put('kv/web/db', { user: 'app', password: 'pw', ttl: '10m' });
    const source = kv1Source({ name: 'db', mount: 'kv', path: 'web/db', refreshIntervalMs: 60_000 }, () => NOW);
    const lease = await source.read(vault, 'root', signal);
    assert.deepEqual(lease, { id: '', ttlMs: 0, renewable: false, obtainedAt: NOW, data: { user: 'app', password: 'pw', ttl: '10m' } });
    assert.equal(source.engine, 'kv1');
    assert.equal(source.key, JSON.stringify(['kv1', 'kv/web/db']));
    assert.equal(source.refreshIntervalMs, 60_000);
    const [sent] = server.requests.filter((r) => r.path === 'kv/web/db' && r.method === 'GET');
    assert.ok(sent, 'a GET of kv/web/db reached the server');
  });

  it('sees a rewritten secret on the next read', async () => {
    await put('kv/app', { v: '1' });
    const source = kv1Source({ name: 'app', mount: 'kv', path: 'app', refreshIntervalMs: 1 }, () => NOW);
    assert.deepEqual((await source.read(vault, 'root', signal)).data, { v: '1' });
    await put('kv/app', { v: '2' });
    assert.deepEqual((await source.read(vault, 'root', signal)).data, { v: '2' });
  });

  it("passes Vault's 404 for a missing secret through as VaultRequestRejectedError", async () => {
    const source = kv1Source({ name: 'app', mount: 'kv', path: 'missing', refreshIntervalMs: 1 }, () => NOW);
    await assert.rejects(source.read(vault, 'root', signal), (error: Error) => error instanceof VaultRequestRejectedError && error.status === 404);
  });

  it('fails with VaultPermissionDeniedError when the token may not read the path', async () => {
    await put('kv/app', { v: '1' });
    const created = await call(server, 'POST', '/v1/auth/token/create', { token: 'root', body: { policies: ['default'] } });
    const source = kv1Source({ name: 'app', mount: 'kv', path: 'app', refreshIntervalMs: 1 }, () => NOW);
    await assert.rejects(source.read(vault, created.body.auth.client_token, signal), VaultPermissionDeniedError);
  });

  it('fails with SecretDataError naming the secret and path when the answer has no data', async () => {
    const fake = await startFakeVault();
    const fakeClient = testClient(fake.url, { maxRetries: 0 });
    try {
      fake.on('GET', '/v1/kv/app', { status: 204 });
      const source = kv1Source({ name: 'app-config', mount: 'kv', path: 'app', refreshIntervalMs: 1 }, () => NOW);
      await assert.rejects(
        source.read(fakeClient, 't', signal),
        (error: Error) => error instanceof SecretDataError && error.message.includes('app-config') && error.message.includes('kv/app'),
      );
    } finally {
      fakeClient.close();
      await fake.close();
    }
  });
});
