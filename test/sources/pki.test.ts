import assert from 'node:assert/strict';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { startDevServer, type DevServer } from '../../src/devserver/index.js';
import { SecretDataError, VaultRequestRejectedError } from '../../src/errors.js';
import { pkiSource } from '../../src/sources/pki.js';
import type { VaultClient } from '../../src/vault/client.js';
import { call, fakeClock } from '../devserver/helpers.js';
import { startFakeVault, type FakeVault } from '../support/fake-vault.js';
import { testClient } from '../vault/helpers.js';

const signal = new AbortController().signal;

describe('pkiSource against the dev server', function () {
  this.timeout(20_000);
  let server: DevServer;
  let vault: VaultClient;
  const clock = fakeClock();

  before(async () => {
    server = await startDevServer({ port: 0, now: clock.now });
    vault = testClient(server.url, { maxRetries: 0 });
    const root = { token: 'root' };
    await call(server, 'POST', '/v1/pki/root/generate/internal', { ...root, body: { common_name: 'Dev Root CA', ttl: '24h' } });
    await call(server, 'POST', '/v1/pki/roles/web', { ...root, body: { allowed_domains: 'example.com', allow_subdomains: true, max_ttl: '4h' } });
    await call(server, 'POST', '/v1/pki/roles/leased', { ...root, body: { allowed_domains: 'example.com', allow_subdomains: true, generate_lease: true } });
  });
  after(async () => {
    vault.close();
    await server.close();
  });

  it('issues with the params as the body and times the lease from the certificate itself', async () => {
    const params = { common_name: 'app.example.com', alt_names: 'api.example.com', ttl: '2h' };
    const source = pkiSource({ name: 'tls', mount: 'pki', role: 'web', params }, clock.now);
    const lease = await source.read(vault, server.rootToken, signal);

    const sent = server.requests.at(-1)!;
    assert.equal(sent.method, 'POST');
    assert.equal(sent.path, 'pki/issue/web');
    assert.deepEqual(sent.body, params);
    const cert = new X509Certificate(lease.data['certificate'] as string);
    assert.equal(cert.subjectAltName, 'DNS:api.example.com, DNS:app.example.com');
    assert.ok(cert.checkPrivateKey(createPrivateKey(lease.data['private_key'] as string)));
    assert.deepEqual(lease.validity, { from: clock.now() - 30_000, until: clock.now() + 2 * 3_600_000, rotate: 'before' });
    assert.equal(lease.validity!.until, Date.parse(cert.validTo));
    assert.equal(lease.ttlMs, 2 * 3_600_000);
    assert.equal(lease.obtainedAt, clock.now());
    assert.equal(lease.id, '');
    assert.equal(lease.renewable, false);
    assert.equal(source.engine, 'pki');
    assert.equal(source.key, JSON.stringify(['pki', 'pki/issue/web', params]));
  });

  it('keeps the lease id of a generate_lease role but never renews it', async () => {
    const source = pkiSource({ name: 'tls', mount: 'pki', role: 'leased', params: { common_name: 'l.example.com', ttl: '1h' } }, clock.now);
    const lease = await source.read(vault, server.rootToken, signal);
    assert.match(lease.id, /^pki\/issue\/leased\//);
    assert.equal(lease.renewable, false);
    assert.equal(lease.validity!.until, clock.now() + 3_600_000);
  });

  it("passes Vault's refusal of a name through as VaultRequestRejectedError", async () => {
    const source = pkiSource({ name: 'tls', mount: 'pki', role: 'web', params: { common_name: 'evil.org' } }, clock.now);
    await assert.rejects(source.read(vault, server.rootToken, signal), (error: Error) =>
      error instanceof VaultRequestRejectedError && error.message.includes('common name evil.org not allowed by this role'));
  });
});

describe('pkiSource on answers without a certificate', () => {
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

  const source = pkiSource({ name: 'web-tls', mount: 'pki_int', role: 'web', params: { common_name: 'a.example.com' } }, () => 0);
  const garbage: Record<string, Record<string, unknown>> = {
    'a certificate that is not PEM': { certificate: 'not a certificate', private_key: 'KEY-MATERIAL-1234' },
    'no certificate': { private_key: 'KEY-MATERIAL-1234' },
    'a certificate that is not a string': { certificate: 42, private_key: 'KEY-MATERIAL-1234' },
  };
  for (const [what, data] of Object.entries(garbage)) {
    it(`fails with SecretDataError naming the secret and path, not the data, for ${what}`, async () => {
      fake.on('POST', '/v1/pki_int/issue/web', { body: { lease_id: '', data } });
      await assert.rejects(source.read(vault, 't', signal), (error: Error) => {
        assert.ok(error instanceof SecretDataError);
        assert.match(error.message, /secret "web-tls": pki_int\/issue\/web answered without a parseable certificate/);
        assert.doesNotMatch(error.message, /KEY-MATERIAL|not a certificate/);
        return true;
      });
    });
  }

  it('fails with SecretDataError when the answer has no data at all', async () => {
    fake.on('POST', '/v1/pki_int/issue/web', { status: 204 });
    await assert.rejects(source.read(vault, 't', signal), SecretDataError);
  });
});
