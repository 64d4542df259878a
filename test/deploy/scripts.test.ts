import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createServiceAccountIssuer, DEMO_ISSUER, type ServiceAccountIssuer } from '../../src/demo/service-account.js';
import { startTokenReviewer, type TokenReviewer } from '../../src/demo/token-review.js';
import { forEachBackend, startBackend, type VaultBackend } from '../support/vault-backend.js';
import { deployDir } from './deploy-files.js';

const run = promisify(execFile);

describe('deploy/ scripts', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vaultlet-deploy-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  forEachBackend('vault/setup.sh', (backend) => {
    let vault: VaultBackend;
    let issuer: ServiceAccountIssuer;
    let reviewer: TokenReviewer;
    beforeEach(async () => {
      issuer = await createServiceAccountIssuer();
      [vault, reviewer] = await Promise.all([startBackend(backend.kind), startTokenReviewer({ publicKeyPem: issuer.publicKeyPem })]);
    });
    afterEach(async () => {
      await vault.close();
      await reviewer.close();
    });

    const api = async (path: string) => {
      const { status, body } = await vault.api.send('GET', path);
      return { status, body: body as { data: Record<string, unknown> } };
    };

    it('enables kubernetes auth pointed at the cluster, writes the policy and the role, can run again, and a service account logs in', async () => {
      const caFile = join(dir, 'ca.crt');
      await writeFile(caFile, reviewer.caPem);
      const reviewerJwtFile = join(dir, 'reviewer.jwt');
      await writeFile(reviewerJwtFile, `${await issuer.sign({ namespace: 'vault', name: 'vault', audience: DEMO_ISSUER })}\n`);
      const env = { ...process.env, VAULT_ADDR: vault.directUrl, VAULT_TOKEN: vault.rootToken, K8S_HOST: reviewer.url, K8S_CA_FILE: caFile, REVIEWER_JWT_FILE: reviewerJwtFile };
      for (let round = 0; round < 2; round += 1) {
        const { stdout, stderr } = await run('bash', [join(deployDir, 'vault', 'setup.sh')], { env });
        assert.match(stdout, /role demo .* is ready/);
        assert.ok(!`${stdout}${stderr}`.includes(vault.rootToken), 'the token is never printed');
      }
      const role = await api('auth/kubernetes/role/demo');
      assert.equal(role.status, 200);
      assert.deepEqual(role.body.data.bound_service_account_names, ['demo-app']);
      assert.deepEqual(role.body.data.bound_service_account_namespaces, ['demo']);
      assert.equal(role.body.data.audience, 'vault');
      assert.deepEqual(role.body.data.token_policies, ['demo-app']);
      assert.equal(role.body.data.token_ttl, 3600);
      const policy = await api('sys/policies/acl/demo-app');
      assert.equal(policy.status, 200);
      assert.match(String(policy.body.data.policy), /path "database\/creds\/demo" \{\n {2}capabilities = \["read"\]/);
      assert.match(String(policy.body.data.policy), /path "secret\/data\/demo\/\*"/);
      const config = await api('auth/kubernetes/config');
      assert.equal(config.body.data.kubernetes_host, reviewer.url);
      assert.equal(config.body.data.kubernetes_ca_cert, reviewer.caPem.trim());

      // The example's pod logs in: Vault asks the TokenReview API, over TLS with the CA given.
      const jwt = await issuer.sign({ namespace: 'demo', name: 'demo-app' });
      const login = await vault.api.send('POST', 'auth/kubernetes/login', { body: { role: 'demo', jwt } });
      assert.equal(login.status, 200, JSON.stringify(login.body));
      assert.deepEqual(login.body.auth!.policies, ['default', 'demo-app']);
      assert.equal(reviewer.reviews.at(-1)?.username, 'system:serviceaccount:demo:demo-app');
      const stranger = await issuer.sign({ namespace: 'other', name: 'demo-app' });
      assert.equal((await vault.api.send('POST', 'auth/kubernetes/login', { body: { role: 'demo', jwt: stranger } })).status, 403);
    });

    it("fails with Vault's error and a non-zero exit when Vault refuses", async () => {
      const env = { ...process.env, VAULT_ADDR: vault.directUrl, VAULT_TOKEN: 'not-a-token' };
      const failed = await run('bash', [join(deployDir, 'vault', 'setup.sh')], { env }).then(() => undefined, (error: { code: number; stderr: string }) => error);
      assert.ok(failed, 'setup.sh must fail');
      assert.notEqual(failed.code, 0);
      assert.match(failed.stderr, /vault: POST sys\/auth\/kubernetes failed with HTTP 403/);
    });
  });

  it('injector/tls.sh stores a certificate for the Service name and puts its CA in the webhook', async () => {
    // A stand-in kubectl that records what it was asked to do.
    const kubectl = join(dir, 'kubectl');
    await writeFile(kubectl, `#!/usr/bin/env bash\necho "$*" >> "${dir}/calls"\nif [[ "$*" == *"apply -f -"* ]]; then cat > "${dir}/applied.yaml"; fi\nif [[ "$*" == *"create secret tls"* ]]; then\n  for a in "$@"; do case "$a" in --cert=*) cp "\${a#--cert=}" "${dir}/tls.crt";; --key=*) cp "\${a#--key=}" "${dir}/tls.key";; esac; done\n  echo "kind: Secret"\nfi\n`);
    await chmod(kubectl, 0o755);
    const { stdout } = await run('bash', [join(deployDir, 'injector', 'tls.sh')], { env: { ...process.env, KUBECTL: kubectl, DAYS: '2' } });
    assert.match(stdout, /vaultlet-injector\.vaultlet-system\.svc/);
    const calls = await readFile(join(dir, 'calls'), 'utf8');
    assert.match(calls, /-n vaultlet-system create secret tls vaultlet-injector-tls/);
    const patchCall = calls.split('\n').find((line) => line.startsWith('patch mutatingwebhookconfiguration vaultlet-injector'));
    assert.ok(patchCall, calls);
    const operations = JSON.parse(patchCall.slice(patchCall.indexOf('-p ') + 3)) as Array<{ path: string; value: string }>;
    assert.equal(operations[0]!.path, '/webhooks/0/clientConfig/caBundle');
    await writeFile(join(dir, 'ca.crt'), Buffer.from(operations[0]!.value, 'base64'));
    const verify = await run('openssl', ['verify', '-CAfile', join(dir, 'ca.crt'), join(dir, 'tls.crt')]);
    assert.match(verify.stdout, /OK/);
    const text = await run('openssl', ['x509', '-in', join(dir, 'tls.crt'), '-noout', '-ext', 'subjectAltName']);
    assert.match(text.stdout, /DNS:vaultlet-injector\.vaultlet-system\.svc\b/);
  });
});
