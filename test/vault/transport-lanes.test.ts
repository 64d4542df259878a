import assert from 'node:assert/strict';
import { VaultTimeoutError } from '../../src/errors.js';
import type { VaultClient } from '../../src/vault/client.js';
import { SECRET_CONNECTIONS } from '../../src/vault/transport.js';
import { startFakeVault, type FakeVault } from '../support/fake-vault.js';
import { sleep, testClient } from './helpers.js';

/** Many secrets at once against a Vault that is merely busy, not broken. */
describe('VaultClient under load: timeouts count from sending, the token has its own lane', () => {
  let fake: FakeVault;
  let vault: VaultClient;
  const controller = new AbortController();

  beforeEach(async () => {
    fake = await startFakeVault();
  });
  afterEach(async () => {
    vault.close();
    await fake.close();
  });

  it(`waiting for one of the ${SECRET_CONNECTIONS} connections does not count towards the timeout`, async () => {
    // Each answer takes 300 ms; 4 x 16 requests take 1.2 s in all, with a 700 ms timeout each.
    fake.on('GET', '/v1/secret/data/app', async () => {
      await sleep(300);
      return { body: { data: { data: { v: 1 }, metadata: { version: 1 } } } };
    });
    vault = testClient(fake.url, { requestTimeoutMs: 700, maxRetries: 0 });
    const results = await Promise.allSettled(
      Array.from({ length: 4 * SECRET_CONNECTIONS }, () => vault.request('secret_read', { method: 'GET', path: 'secret/data/app', token: 't', signal: controller.signal })),
    );
    const timedOut = results.filter((result) => result.status === 'rejected' && result.reason instanceof VaultTimeoutError).length;
    assert.equal(timedOut, 0, `${timedOut} of ${results.length} requests timed out while queued`);
    assert.equal(fake.requests.length, 4 * SECRET_CONNECTIONS, 'each sent once');
  });

  it('renew-self and logins are answered while every secret connection is busy', async () => {
    fake.on('GET', '/v1/secret/data/app', 'hang');
    fake.on('POST', '/v1/auth/token/renew-self', { body: { auth: { client_token: 't', lease_duration: 60, renewable: true } } });
    fake.on('POST', '/v1/auth/kubernetes/login', { body: { auth: { client_token: 't', lease_duration: 60, renewable: true } } });
    vault = testClient(fake.url, { requestTimeoutMs: 2_000, maxRetries: 0 });
    const reads = new AbortController();
    const stuck = Array.from({ length: 100 }, () => vault.request('secret_read', { method: 'GET', path: 'secret/data/app', token: 't', signal: reads.signal }).catch(() => {}));
    await sleep(100);
    const started = Date.now();
    await vault.request('token_renew', { method: 'POST', path: 'auth/token/renew-self', token: 't', body: {} });
    await vault.request('login', { method: 'POST', path: 'auth/kubernetes/login', body: { role: 'r', jwt: 'j' } });
    assert.ok(Date.now() - started < 1_000, `the token's calls waited ${Date.now() - started} ms behind secret reads`);
    reads.abort();
    await Promise.all(stuck);
  });
});
