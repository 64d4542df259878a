import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { AgentProcess, sample } from '../support/agent-process.js';
import { pemBlocks, readCertificateFiles } from '../support/certificate-files.js';
import { superuserPool, tryLogin } from '../support/postgres.js';
import type { VaultApi } from '../support/vault-api.js';
import { forEachBackend } from '../support/vault-backend.js';
import { startVaultFixture, type VaultFixture } from '../support/vault-fixture.js';

/** What the agent may do, and nothing more: one path per engine under test. */
const ENGINES_POLICY = `
path "pki/issue/web" {
  capabilities = ["update"]
}
path "kv/app/*" {
  capabilities = ["read"]
}
path "database/static-creds/app-static" {
  capabilities = ["read"]
}
`;

forEachBackend('engines through the real agent: pki, kv v1, database static roles, plain reads', function (backend) {
  this.timeout(60_000);
  let vault: VaultFixture;
  let api: VaultApi;
  let agent: AgentProcess | undefined;

  beforeEach(async () => {
    vault = await startVaultFixture({ backend });
    api = vault.backend.api;
    await api.policy('engines', ENGINES_POLICY);
    // The demo's service account, logging in to a role that grants only the policy above.
    await api.write('auth/kubernetes/role/engines', {
      bound_service_account_names: ['demo-app'], bound_service_account_namespaces: ['default'], audience: 'vault',
      token_policies: ['engines'], token_ttl: '1h',
    });
  });
  afterEach(async function () {
    if (agent && this.currentTest?.state === 'failed') console.log(agent.describe());
    await agent?.stop('SIGKILL');
    agent = undefined;
    await vault.close();
  });

  async function startAgent(secrets: Array<Record<string, unknown>>): Promise<AgentProcess> {
    const auth = { method: 'kubernetes', role: 'engines', token_path: vault.tokenPath };
    agent = AgentProcess.start(['run', '--config', await vault.writeConfig(vault.config(secrets, { auth }))]);
    await agent.waitReady();
    return agent;
  }

  const expirySeconds = async (secret: string) => sample(await agent!.metrics(), 'vaultlet_secret_expiry_seconds', { secret });

  it('pki: writes cert, key and CA in the default layout, then rotates at rotate_fraction before NotAfter', async () => {
    await api.write('pki/root/generate/internal', { common_name: 'vaultlet e2e root CA', ttl: '24h' });
    // Vault backdates NotBefore by 30 s unless told otherwise; on a 20 s certificate that would be most of its life.
    await api.write('pki/roles/web', {
      allowed_domains: ['svc.cluster.local'], allow_subdomains: true, ttl: '20s', max_ttl: '1h', not_before_duration: '2s',
    });
    const params = { common_name: 'web.app.svc.cluster.local', alt_names: 'web.svc.cluster.local', ip_sans: '127.0.0.1' };
    await startAgent([{ name: 'web', kind: 'pki', role: 'web', params, rotate_fraction: 0.5, bundle: true }]);

    const ca = new X509Certificate(await (await fetch(`${vault.backend.directUrl}/v1/pki/ca/pem`)).text());
    const first = await readCertificateFiles(vault.secretsDir, 'web');
    assert.ok(first.certificate.checkIssued(ca), 'issued by the mount CA');
    assert.ok(first.certificate.verify(ca.publicKey), 'signed by the mount CA');
    assert.ok(first.keyMatches, 'web.key is the key of web.crt');
    assert.equal(new X509Certificate(first.caPem).fingerprint256, ca.fingerprint256);
    assert.deepEqual(pemBlocks(first.caPem).map((b) => b.label), ['CERTIFICATE'], 'the CA once, though issuing_ca repeats in ca_chain');
    assert.equal(first.certificate.subject, 'CN=web.app.svc.cluster.local');
    assert.deepEqual(first.certificate.subjectAltName?.split(', ').sort(), ['DNS:web.app.svc.cluster.local', 'DNS:web.svc.cluster.local', 'IP Address:127.0.0.1']);
    assert.equal(first.notAfter - first.notBefore, 22_000);
    assert.equal((await stat(join(vault.secretsDir, 'web.key'))).mode & 0o777, 0o400);
    const bundle = pemBlocks(await readFile(join(vault.secretsDir, 'web-bundle.pem'), 'utf8'));
    assert.deepEqual(bundle.map((b) => b.label), ['CERTIFICATE', 'CERTIFICATE', 'RSA PRIVATE KEY']);
    assert.equal(new X509Certificate(bundle[0]!.pem).serialNumber, first.certificate.serialNumber, 'bundle: certificate first');
    assert.equal(new X509Certificate(bundle[1]!.pem).fingerprint256, ca.fingerprint256, 'bundle: then the chain');
    assert.equal(bundle[2]!.pem.trim(), first.keyPem.trim(), 'bundle: then the key');
    const expiry = await expirySeconds('web');
    assert.ok(expiry !== undefined && Math.abs(expiry - (first.notAfter - Date.now()) / 1000) < 2, `expiry metric ${expiry} tracks NotAfter`);

    // First rotation after start: spread over 10–55% of NotBefore→NotAfter, always before NotAfter.
    const lifetime = first.notAfter - first.notBefore;
    const second = await nextCertificate(first.certificate.serialNumber, first.notAfter + 2_000);
    assert.ok(second.at < first.notAfter, 'a new certificate is on disk before the old one expires');
    assert.ok(second.at > first.notBefore + 0.1 * lifetime, 'not before 10% of the lifetime');
    assert.ok(second.at < first.notBefore + 0.55 * lifetime + 2_000, `rotated at ${((second.at - first.notBefore) / lifetime).toFixed(2)} of the lifetime`);
    assert.ok(second.files.certificate.verify(ca.publicKey));
    // The metric moves once every file of the secret is written (the bundle is last).
    await agent!.waitFor('the expiry metric to follow the new NotAfter', async () => {
      const expiry = await expirySeconds('web');
      return expiry !== undefined && Math.abs(expiry - (second.files.notAfter - Date.now()) / 1000) < 2;
    }, 2_000);

    // From then on: rotate_fraction 0.5 ± 0.05 of each certificate's lifetime.
    const third = await nextCertificate(second.files.certificate.serialNumber, second.files.notAfter + 2_000);
    const at = (third.at - second.files.notBefore) / lifetime;
    assert.ok(at > 0.45 - 0.05 && at < 0.55 + 0.1, `second rotation at ${at.toFixed(2)} of the lifetime, configured 0.5`);
    const bundleSerial = async () => new X509Certificate(pemBlocks(await readFile(join(vault.secretsDir, 'web-bundle.pem'), 'utf8'))[0]!.pem).serialNumber;
    await agent!.waitFor('the bundle to follow', async () => (await bundleSerial()) === third.files.certificate.serialNumber, 2_000);
    await agent!.waitFor('two rotations counted', async () => sample(await agent!.metrics(), 'vaultlet_secret_rotations_total', { secret: 'web', result: 'success' }) === 2, 2_000);
    assert.equal(await vault.backend.leaseCount(), 0, 'roles without generate_lease make no leases');
  });

  /** Polls until web.crt has another serial and web.key matches it; `at` is when that was first seen. */
  async function nextCertificate(serial: string, deadline: number) {
    let at = 0;
    const files = await agent!.waitFor(`a certificate other than ${serial}`, async () => {
      const files = await readCertificateFiles(vault.secretsDir, 'web');
      if (files.certificate.serialNumber === serial) return undefined;
      at ||= Date.now();
      return files.keyMatches ? files : undefined;
    }, Math.max(1_000, deadline - Date.now()));
    return { at, files };
  }

  it('kv1: writes what was written to kv/, and picks up a change within refresh_interval', async () => {
    await api.write('kv/app/config', { api_url: 'https://api.internal', api_key: 'kv1-first' });
    await startAgent([{ name: 'app', kind: 'kv1', path: 'app/config', file: 'app.json', refresh_interval: '2s' }]);
    const file = join(vault.secretsDir, 'app.json');
    assert.deepEqual(JSON.parse(await readFile(file, 'utf8')), { api_url: 'https://api.internal', api_key: 'kv1-first' });
    const before = await stat(file);
    const reads = () => vault.backend.countRequests({ path: 'kv/app/config', method: 'GET', status: 200 });
    const initial = reads();
    await agent!.waitFor('two re-reads', () => reads() >= initial + 2, 6_000);
    const after = await stat(file);
    assert.equal(after.mtimeMs, before.mtimeMs, 'unchanged data is not rewritten');
    assert.equal(after.ino, before.ino);

    await api.write('kv/app/config', { api_url: 'https://api.internal', api_key: 'kv1-second' });
    const written = Date.now();
    await agent!.waitFor('the new value', async () => JSON.parse(await readFile(file, 'utf8')).api_key === 'kv1-second', 5_000);
    assert.ok(Date.now() - written < 3_000, `picked up after ${Date.now() - written} ms with a 2 s refresh_interval`);
    assert.equal(await expirySeconds('app'), undefined, 'KV v1 has no lease to expire');
  });

  it('static: writes the static role username/password, and the new password within seconds of Vault rotating it', async () => {
    // A static role takes over a user that exists in the database.
    const pool = superuserPool(vault.postgres!);
    await pool.query("CREATE ROLE app_static WITH LOGIN PASSWORD 'set-by-the-dba'").finally(() => pool.end());
    await api.write('database/static-roles/app-static', { db_name: 'demo-postgres', username: 'app_static', rotation_period: '5s' });
    const leasesBefore = vault.backend.leasesIssued();
    await startAgent([{ name: 'db-static', kind: 'static', role: 'app-static', file: 'db-static.json' }]);
    const file = join(vault.secretsDir, 'db-static.json');
    const onDisk = async () => JSON.parse(await readFile(file, 'utf8')) as { username: string; password: string };
    const first = await onDisk();
    assert.equal(first.username, 'app_static');
    const creds = (await api.read('database/static-creds/app-static')).data!;
    // Unless Vault rotated in between, in which case the next assertions see it.
    if (creds['password'] === first.password) assert.equal(creds['username'], first.username);
    const expiry = await expirySeconds('db-static');
    assert.ok(expiry !== undefined && expiry > 0 && expiry <= 5, `expiry ${expiry} is the time to Vault's next rotation`);

    const rotated = await agent!.waitFor('a rotated password', async () => {
      const now = await onDisk();
      return now.password !== first.password ? { ...now, at: Date.now() } : undefined;
    }, 9_000);
    const current = (await api.read('database/static-creds/app-static')).data!;
    assert.equal(rotated.password, current['password'], 'the file holds the password Vault has now');
    assert.equal(await tryLogin(vault.postgres!, 'app_static', rotated.password), 'ok', 'and it logs in');
    const rotatedAt = Date.parse(current['last_vault_rotation'] as string);
    // 1–3 s after the rotation (Vault's ttl is rounded to seconds), plus the read and the write.
    assert.ok(rotated.at - rotatedAt < 4_500, `on disk ${rotated.at - rotatedAt} ms after Vault rotated it`);
    assert.equal(vault.backend.leasesIssued(), leasesBefore, 'static credentials create no lease');
    assert.equal(await vault.backend.leaseCount(), 0);
    const agentReads = vault.backend.countRequests({ path: 'database/static-creds/app-static' });
    assert.ok(agentReads <= 4, `read ${agentReads} times: at rotations, not polled`);
  });

  it('read: a plain read of a kv v1 path, re-read on refresh_interval rather than its 768 h lease_duration', async () => {
    await api.write('kv/app/flags', { FEATURE_SEARCH: 'on' });
    await startAgent([{ name: 'flags', kind: 'read', path: 'kv/app/flags', file: 'flags.env', format: 'env', refresh_interval: '2s' }]);
    const file = join(vault.secretsDir, 'flags.env');
    assert.equal(await readFile(file, 'utf8'), 'FEATURE_SEARCH=on\n');
    const readTimes = () => vault.backend.requests.filter((r) => r.path === 'kv/app/flags' && r.method === 'GET' && r.status === 200).map((r) => r.at);
    await agent!.waitFor('two re-reads', () => readTimes().length >= 3, 6_000);
    const [, firstReread, secondReread] = readTimes();
    const gap = secondReread! - firstReread!;
    assert.ok(gap >= 1_700 && gap <= 2_600, `re-read ${gap} ms apart with refresh_interval 2s`);
    await api.write('kv/app/flags', { FEATURE_SEARCH: 'off' });
    await agent!.waitFor('the change', async () => (await readFile(file, 'utf8')) === 'FEATURE_SEARCH=off\n', 3_500);
  });
});
