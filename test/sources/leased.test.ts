import assert from 'node:assert/strict';
import { SecretDataError } from '../../src/errors.js';
import { leasedSource } from '../../src/sources/leased.js';
import { createSource, DEFAULT_REFRESH_MS } from '../../src/sources/source.js';
import type { VaultClient } from '../../src/vault/client.js';
import { startFakeVault, type FakeVault } from '../support/fake-vault.js';
import { testClient } from '../vault/helpers.js';

const NOW = 1_700_000_000_000;
const signal = new AbortController().signal;

describe('leasedSource', () => {
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

  const leased = { body: { lease_id: 'database/creds/app/abc123', lease_duration: 3600, renewable: true, data: { username: 'v-app', password: 'pw' } } };

  it('reads with GET and maps the lease fields', async () => {
    fake.on('GET', '/v1/database/creds/app', leased);
    const source = leasedSource({ name: 'db', path: 'database/creds/app', method: 'GET' }, () => NOW);
    const lease = await source.read(vault, 's.token', signal);
    assert.deepEqual(lease, { id: 'database/creds/app/abc123', ttlMs: 3_600_000, renewable: true, obtainedAt: NOW, data: { username: 'v-app', password: 'pw' } });
    const [sent] = fake.requests;
    assert.equal(sent?.headers['x-vault-token'], 's.token');
    assert.equal(sent?.body, undefined, 'a GET sends no body');
    assert.equal(source.engine, 'leased');
  });

  it('reads with POST and sends the params as the body', async () => {
    fake.on('POST', '/v1/pki/issue/web', { body: { lease_id: 'pki/issue/web/x', lease_duration: 60, renewable: false, data: { certificate: 'PEM' } } });
    const source = leasedSource({ name: 'cert', path: 'pki/issue/web', method: 'POST', params: { common_name: 'web.example.com', ttl: '1m' } }, () => NOW);
    const lease = await source.read(vault, 't', signal);
    assert.deepEqual(fake.requests[0]?.body, { common_name: 'web.example.com', ttl: '1m' });
    assert.equal(lease.renewable, false);
    assert.equal(lease.ttlMs, 60_000);
  });

  it('sends an empty JSON object for a POST without params', async () => {
    fake.on('POST', '/v1/aws/sts/app', leased);
    await leasedSource({ name: 'aws', path: 'aws/sts/app', method: 'POST' }, () => NOW).read(vault, 't', signal);
    assert.deepEqual(fake.requests[0]?.body, {});
  });

  it('treats a response without lease_id as unleased and not renewable', async () => {
    fake.on('GET', '/v1/secret/static', { body: { lease_id: '', lease_duration: 600, renewable: true, data: { k: 'v' } } });
    const source = leasedSource({ name: 'static', path: 'secret/static', method: 'GET' }, () => NOW);
    const lease = await source.read(vault, 't', signal);
    assert.equal(lease.id, '');
    assert.equal(lease.renewable, false);
    assert.equal(lease.ttlMs, 600_000, 'lease_duration stays as the refresh hint');
    assert.equal(source.refreshIntervalMs, DEFAULT_REFRESH_MS);
  });

  it('fails with SecretDataError naming the secret when the answer has no data', async () => {
    fake.on('GET', '/v1/database/creds/app', { body: { lease_id: 'x', lease_duration: 60, renewable: true, data: null } });
    const source = leasedSource({ name: 'db-creds', path: 'database/creds/app', method: 'GET' }, () => NOW);
    await assert.rejects(source.read(vault, 't', signal), (error: Error) => error instanceof SecretDataError && error.message.includes('db-creds'));
  });

  it('is what createSource builds for kind leased', async () => {
    fake.on('GET', '/v1/database/creds/app', leased);
    const source = createSource({ kind: 'leased', name: 'db', path: 'database/creds/app', method: 'GET' }, () => NOW);
    assert.equal((await source.read(vault, 't', signal)).id, 'database/creds/app/abc123');
  });
});
