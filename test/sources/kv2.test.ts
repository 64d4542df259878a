import assert from 'node:assert/strict';
import { SecretDataError, VaultRequestRejectedError } from '../../src/errors.js';
import { createSource } from '../../src/sources/source.js';
import { kv2Source } from '../../src/sources/kv2.js';
import type { VaultClient } from '../../src/vault/client.js';
import { startFakeVault, type FakeVault } from '../support/fake-vault.js';
import { testClient } from '../vault/helpers.js';

const NOW = 1_700_000_000_000;
const signal = new AbortController().signal;

describe('kv2Source', () => {
  let fake: FakeVault;
  let vault: VaultClient;
  beforeEach(async () => {
    fake = await startFakeVault();
    vault = testClient(fake.url, { maxRetries: 0 });
  });
  afterEach(async () => {
    vault.close();
    await fake.close();
  });

  const kvBody = (data: unknown, version = 4) => ({ body: { data: { data, metadata: { version, created_time: '2024-01-01T00:00:00Z' } } } });

  it('reads <mount>/data/<path> with the token and maps data and version, without a lease', async () => {
    fake.on('GET', '/v1/apps/data/web/db', kvBody({ user: 'app', password: 'pw' }, 7));
    const source = kv2Source({ name: 'db', mount: 'apps', path: 'web/db', refreshIntervalMs: 60_000 }, () => NOW);
    const lease = await source.read(vault, 's.token', signal);
    assert.deepEqual(lease, { id: '', ttlMs: 0, renewable: false, obtainedAt: NOW, version: 7, data: { user: 'app', password: 'pw' } });
    assert.equal(fake.requests[0]?.headers['x-vault-token'], 's.token');
    assert.equal(fake.requests[0]?.query.has('version'), false);
    assert.equal(source.engine, 'kv2');
    assert.equal(source.refreshIntervalMs, 60_000);
  });

  it('asks for a pinned version with ?version=N', async () => {
    fake.on('GET', '/v1/secret/data/app', kvBody({ k: 'v' }, 2));
    const source = kv2Source({ name: 'app', mount: 'secret', path: 'app', version: 2, refreshIntervalMs: 1 }, () => NOW);
    assert.equal((await source.read(vault, 't', signal)).version, 2);
    assert.equal(fake.requests[0]?.query.get('version'), '2');
  });

  it('fails with SecretDataError naming the secret when the version has no data', async () => {
    fake.on('GET', '/v1/secret/data/app', { body: { data: { data: null, metadata: { version: 3, deletion_time: '2024-01-01T00:00:00Z' } } } });
    const source = kv2Source({ name: 'app-secret', mount: 'secret', path: 'app', refreshIntervalMs: 1 }, () => NOW);
    await assert.rejects(source.read(vault, 't', signal), (error: Error) => error instanceof SecretDataError && error.message.includes('app-secret'));
  });

  it('fails with SecretDataError when the response has no data at all', async () => {
    fake.on('GET', '/v1/secret/data/app', { status: 204 });
    const source = kv2Source({ name: 'app', mount: 'secret', path: 'app', refreshIntervalMs: 1 }, () => NOW);
    await assert.rejects(source.read(vault, 't', signal), SecretDataError);
  });

  it("passes Vault's 404 for a missing secret through as VaultRequestRejectedError", async () => {
    const source = kv2Source({ name: 'app', mount: 'secret', path: 'missing', refreshIntervalMs: 1 }, () => NOW);
    await assert.rejects(source.read(vault, 't', signal), VaultRequestRejectedError);
  });

  it('is what createSource builds for kind kv2', async () => {
    fake.on('GET', '/v1/secret/data/x', kvBody({ a: 1 }, 1));
    const source = createSource(
      { kind: 'kv2', name: 'x', mount: 'secret', path: 'x', refreshIntervalMs: 5_000 },
      () => NOW,
    );
    assert.deepEqual((await source.read(vault, 't', signal)).data, { a: 1 });
  });
});
