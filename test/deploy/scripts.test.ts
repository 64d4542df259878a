import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startDevServer, type DevServer } from '../../src/devserver/index.js';
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

  describe('vault/setup.sh against the Vault dev server', () => {
    let vault: DevServer;
    beforeEach(async () => {
      vault = await startDevServer({ port: 0 });
    });
    afterEach(async () => {
      await vault.close();
    });

    const api = async (path: string) => {
      const response = await fetch(`${vault.url}/v1/${path}`, { headers: { 'X-Vault-Token': vault.rootToken } });
      return { status: response.status, body: (await response.json()) as { data: Record<string, unknown> } };
    };

    it('writes the policy and the kubernetes role the example needs, and can run again', async () => {
      const caFile = join(dir, 'ca.crt');
      await writeFile(caFile, '-----BEGIN CERTIFICATE-----\nMIIB"quoted"\\\n-----END CERTIFICATE-----\n');
      // The dev server's kubernetes mount always exists and it has no sys/auth: ENABLE_AUTH=false.
      const env = { ...process.env, VAULT_ADDR: vault.url, VAULT_TOKEN: vault.rootToken, ENABLE_AUTH: 'false', K8S_CA_FILE: caFile };
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
      assert.equal(config.body.data.kubernetes_host, 'https://kubernetes.default.svc');
    });

    it("fails with Vault's error and a non-zero exit when Vault refuses", async () => {
      const env = { ...process.env, VAULT_ADDR: vault.url, VAULT_TOKEN: 'not-a-token', ENABLE_AUTH: 'false' };
      const failed = await run('bash', [join(deployDir, 'vault', 'setup.sh')], { env }).then(() => undefined, (error: { code: number; stderr: string }) => error);
      assert.ok(failed, 'setup.sh must fail');
      assert.notEqual(failed.code, 0);
      assert.match(failed.stderr, /vault: POST auth\/kubernetes\/config failed with HTTP 403/);
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
