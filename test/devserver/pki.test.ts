import assert from 'node:assert/strict';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { startDevServer, type DevServer } from '../../src/devserver/index.js';
import { call, fakeClock } from './helpers.js';

const root = { token: 'root' };
const seconds = (ms: number) => Math.floor(ms / 1000);
const notAfterOf = (pem: string) => Date.parse(new X509Certificate(pem).validTo);
const notBeforeOf = (pem: string) => Date.parse(new X509Certificate(pem).validFrom);

describe('devserver PKI secrets engine', function () {
  // RSA key generation dominates: a few hundred milliseconds per certificate on a slow machine.
  this.timeout(20_000);
  let server: DevServer;
  const clock = fakeClock();

  before(async () => {
    server = await startDevServer({ port: 0, now: clock.now });
  });
  after(() => server.close());

  it('refuses to issue before a CA exists, with Vault\'s error, and serves no CA', async () => {
    assert.equal((await call(server, 'POST', '/v1/pki/roles/early', { ...root, body: { allow_any_name: true } })).status, 200);
    const refused = await call(server, 'POST', '/v1/pki/issue/early', { ...root, body: { common_name: 'a.example.com' } });
    assert.equal(refused.status, 400);
    assert.deepEqual(refused.body.errors, ['could not fetch the CA certificate (was one set?): no default issuer currently configured']);
    assert.equal((await fetch(`${server.url}/v1/pki/ca/pem`)).status, 204);
    const caJson = await call(server, 'GET', '/v1/pki/cert/ca');
    assert.equal(caJson.status, 400);
    assert.deepEqual(caJson.body.errors, ['no default issuer currently configured']);
  });

  describe('with a root CA', () => {
    let caPem: string;

    before(async () => {
      const generated = await call(server, 'POST', '/v1/pki/root/generate/internal', { ...root, body: { common_name: 'Dev Root CA', ttl: '24h' } });
      assert.equal(generated.status, 200);
      caPem = generated.body.data.certificate;
      assert.equal(generated.body.data.issuing_ca, caPem);
      assert.equal(generated.body.data.private_key, undefined, 'internal keeps the key inside');
      const roles: Record<string, unknown> = {
        web: { allowed_domains: 'example.com', allow_subdomains: true, ttl: '1h', max_ttl: '2h' },
        'no-ip': { allowed_domains: ['example.com'], allow_bare_domains: true, allow_ip_sans: false },
        long: { allow_any_name: true, max_ttl: '72h' },
        leased: { allowed_domains: 'example.com', allow_subdomains: true, ttl: '30m', generate_lease: true },
      };
      for (const [name, body] of Object.entries(roles)) {
        assert.equal((await call(server, 'POST', `/v1/pki/roles/${name}`, { ...root, body })).status, 200);
      }
    });

    it('issues a certificate signed by the CA, with its own matching key, the names asked for and no lease', async () => {
      const issued = await call(server, 'POST', '/v1/pki/issue/web', {
        ...root, body: { common_name: 'app.example.com', alt_names: 'api.example.com,localhost', ip_sans: '10.0.0.7', ttl: '30m' },
      });
      assert.equal(issued.status, 200);
      const { data } = issued.body;
      const cert = new X509Certificate(data.certificate);
      const ca = new X509Certificate(caPem);
      assert.ok(cert.verify(ca.publicKey), 'signature verifies with the CA key');
      assert.ok(cert.checkIssued(ca));
      assert.ok(cert.checkPrivateKey(createPrivateKey(data.private_key)));
      assert.match(data.private_key, /^-----BEGIN RSA PRIVATE KEY-----/);
      assert.equal(data.private_key_type, 'rsa');
      assert.equal(cert.subject, 'CN=app.example.com');
      assert.equal(cert.subjectAltName, 'DNS:api.example.com, DNS:app.example.com, DNS:localhost, IP Address:10.0.0.7');
      assert.equal(cert.ca, false);
      assert.equal(data.issuing_ca, caPem);
      assert.deepEqual(data.ca_chain, [caPem]);
      assert.equal(data.serial_number, cert.serialNumber.toLowerCase().match(/../g)!.join(':'));
      assert.equal(notAfterOf(data.certificate), clock.now() + 30 * 60_000);
      assert.equal(data.expiration, seconds(clock.now()) + 1800);
      assert.equal(notBeforeOf(data.certificate), clock.now() - 30_000, 'NotBefore is backdated by not_before_duration');
      assert.equal(issued.body.lease_id, '');
      assert.equal(issued.body.lease_duration, 0);
      assert.equal(issued.body.mount_type, 'pki');

      const pem = await fetch(`${server.url}/v1/pki/ca/pem`);
      assert.equal(await pem.text(), `${caPem}\n`, 'the CA is readable without a token');
      const stored = await call(server, 'GET', `/v1/pki/cert/${data.serial_number}`);
      assert.equal(stored.body.data.certificate, data.certificate);
      assert.equal(stored.body.data.revocation_time, 0);
    });

    it('uses the role ttl when none is asked and caps a longer one at max_ttl with Vault\'s warning', async () => {
      const byRole = await call(server, 'POST', '/v1/pki/issue/web', { ...root, body: { common_name: 'a.example.com' } });
      assert.equal(notAfterOf(byRole.body.data.certificate), clock.now() + 3_600_000);
      const capped = await call(server, 'POST', '/v1/pki/issue/web', { ...root, body: { common_name: 'b.example.com', ttl: '5h' } });
      assert.equal(capped.status, 200);
      assert.equal(notAfterOf(capped.body.data.certificate), clock.now() + 2 * 3_600_000);
      assert.deepEqual(capped.body.warnings, ['TTL "5h0m0s" is longer than permitted maxTTL "2h0m0s", so maxTTL is being used']);
    });

    it('refuses names and IP SANs the role does not allow, and unknown roles, with Vault\'s messages', async () => {
      const refusal = async (role: string, body: Record<string, unknown>) => {
        const answer = await call(server, 'POST', `/v1/pki/issue/${role}`, { ...root, body });
        assert.equal(answer.status, 400, JSON.stringify(body));
        return answer.body.errors[0] as string;
      };
      assert.equal(await refusal('web', { common_name: 'evil.com' }), 'common name evil.com not allowed by this role');
      assert.equal(await refusal('web', { common_name: 'example.com' }), 'common name example.com not allowed by this role', 'no bare domain');
      assert.equal(await refusal('web', { common_name: 'app.example.com', alt_names: 'app.example.org' }), 'subject alternate name app.example.org not allowed by this role');
      assert.equal(await refusal('web', {}), 'the common_name field is required, or must be provided in a CSR with "use_csr_common_name" set to true, unless "require_cn" is set to false');
      assert.equal(await refusal('no-ip', { common_name: 'example.com', ip_sans: ['10.0.0.1', '10.0.0.2'] }), 'IP Subject Alternative Names are not allowed in this role, but was provided [10.0.0.1 10.0.0.2]');
      assert.equal(await refusal('no-ip', { common_name: 'www.example.com' }), 'common name www.example.com not allowed by this role', 'no subdomains');
      assert.equal(await refusal('nope', { common_name: 'a.example.com' }), 'unknown role: nope');
    });

    it('refuses a certificate that would outlive the CA', async () => {
      const caNotAfter = new Date(notAfterOf(caPem)).toISOString().replace('.000Z', 'Z');
      const leafNotAfter = new Date(clock.now() + 48 * 3_600_000).toISOString().replace('.000Z', 'Z');
      const refused = await call(server, 'POST', '/v1/pki/issue/long', { ...root, body: { common_name: 'x.example.net', ttl: '48h' } });
      assert.equal(refused.status, 400);
      assert.deepEqual(refused.body.errors, [
        `cannot satisfy request, as TTL would result in notAfter of ${leafNotAfter} that is beyond the expiration of the CA certificate at ${caNotAfter}`,
      ]);
    });

    it('gives a non-renewable lease with generate_lease that sys/leases/lookup sees; revoking it revokes the certificate', async () => {
      const issued = await call(server, 'POST', '/v1/pki/issue/leased', { ...root, body: { common_name: 'l.example.com' } });
      assert.match(issued.body.lease_id, /^pki\/issue\/leased\/\w+$/);
      assert.equal(issued.body.renewable, false);
      assert.equal(issued.body.lease_duration, 1800);
      const lookup = await call(server, 'PUT', '/v1/sys/leases/lookup', { ...root, body: { lease_id: issued.body.lease_id } });
      assert.equal(lookup.status, 200);
      assert.equal(lookup.body.data.renewable, false);
      assert.equal(lookup.body.data.expire_time, new Date(clock.now() + 1_800_000).toISOString());
      const renew = await call(server, 'PUT', '/v1/sys/leases/renew', { ...root, body: { lease_id: issued.body.lease_id } });
      assert.deepEqual(renew.body.errors, ['lease is not renewable']);

      server.revokeLease(issued.body.lease_id);
      const stored = await call(server, 'GET', `/v1/pki/cert/${issued.body.data.serial_number}`);
      assert.equal(stored.body.data.revocation_time, seconds(clock.now()));
    });

    it('revokes by serial number (colon or hyphen form) and refuses unknown serials', async () => {
      const issued = await call(server, 'POST', '/v1/pki/issue/web', { ...root, body: { common_name: 'r.example.com' } });
      const serial: string = issued.body.data.serial_number;
      const revoked = await call(server, 'POST', '/v1/pki/revoke', { ...root, body: { serial_number: serial.replaceAll(':', '-') } });
      assert.equal(revoked.status, 200);
      assert.deepEqual(revoked.body.data, {
        revocation_time: seconds(clock.now()), revocation_time_rfc3339: new Date(clock.now()).toISOString().replace('.000Z', 'Z'), state: 'revoked',
      });
      assert.equal((await call(server, 'GET', `/v1/pki/cert/${serial}`)).body.data.revocation_time, seconds(clock.now()));
      const unknown = await call(server, 'POST', '/v1/pki/revoke', { ...root, body: { serial_number: '01:02' } });
      assert.deepEqual(unknown.body.errors, ['certificate with serial 01:02 not found']);
      assert.equal((await call(server, 'GET', '/v1/pki/cert/01:02')).status, 404);
    });

    it('writes, reads, lists and deletes roles; refuses key types the dev server cannot make and ttl above max_ttl', async () => {
      const role = await call(server, 'GET', '/v1/pki/roles/web', root);
      assert.equal(role.body.data.ttl, 3600);
      assert.equal(role.body.data.max_ttl, 7200);
      assert.deepEqual(role.body.data.allowed_domains, ['example.com']);
      assert.equal(role.body.data.key_type, 'rsa');
      assert.equal(role.body.data.key_bits, 2048);
      assert.equal(role.body.data.generate_lease, false);
      assert.equal(role.body.data.not_before_duration, 30);
      assert.deepEqual((await call(server, 'LIST', '/v1/pki/roles', root)).body.data.keys, ['early', 'leased', 'long', 'no-ip', 'web']);
      const ec = await call(server, 'POST', '/v1/pki/roles/ec', { ...root, body: { key_type: 'ec' } });
      assert.equal(ec.status, 400);
      assert.match(ec.body.errors[0], /key_type "ec" is not supported by the vaultlet dev server/);
      const ttl = await call(server, 'POST', '/v1/pki/roles/bad', { ...root, body: { ttl: '3h', max_ttl: '1h' } });
      assert.deepEqual(ttl.body.errors, ['"ttl" value must be less than "max_ttl" value']);
      assert.equal((await call(server, 'DELETE', '/v1/pki/roles/early', root)).status, 204);
      assert.equal((await call(server, 'GET', '/v1/pki/roles/early', root)).status, 404);
    });

    it('checks policies: a token for pki/issue/web cannot use another role or write roles', async () => {
      await call(server, 'PUT', '/v1/sys/policies/acl/web-certs', { ...root, body: { policy: 'path "pki/issue/web" { capabilities = ["update"] }' } });
      const created = await call(server, 'POST', '/v1/auth/token/create', { ...root, body: { policies: ['web-certs'] } });
      const token = created.body.auth.client_token as string;
      assert.equal((await call(server, 'POST', '/v1/pki/issue/web', { token, body: { common_name: 'p.example.com' } })).status, 200);
      assert.equal((await call(server, 'POST', '/v1/pki/issue/long', { token, body: { common_name: 'p.example.com' } })).status, 403);
      assert.equal((await call(server, 'POST', '/v1/pki/roles/web', { token, body: { allow_any_name: true } })).status, 403);
      assert.equal((await call(server, 'POST', '/v1/pki/issue/web', { body: { common_name: 'p.example.com' } })).status, 403);
      assert.equal((await call(server, 'DELETE', '/v1/pki/root', { token })).status, 403, 'pki/root needs sudo');
    });

    // Last in this block: it removes the CA.
    it('deletes the CA with DELETE pki/root, after which issuing fails again', async () => {
      assert.equal((await call(server, 'DELETE', '/v1/pki/root', root)).status, 204);
      const refused = await call(server, 'POST', '/v1/pki/issue/web', { ...root, body: { common_name: 'a.example.com' } });
      assert.deepEqual(refused.body.errors, ['could not fetch the CA certificate (was one set?): no default issuer currently configured']);
      assert.equal((await fetch(`${server.url}/v1/pki/ca/pem`)).status, 204);
    });
  });
});
