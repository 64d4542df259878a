import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { createServer, type Server } from 'node:https';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { imageNode, imageProcess, imageRuntime } from '../support/image-runtime.js';
import { startVaultFixture, type VaultFixture } from '../support/vault-fixture.js';

const run = promisify(execFile);

/**
 * The bundle loads node:https (and TLS) only for an https Vault (scripts/bundle.mjs, vault
 * transport): against one it must still verify the server with ca_cert, and refuse without it.
 * The dev server's own PKI issues the certificate of an https front that passes requests to it.
 */
describe('the bundle against an https Vault', () => {
  let vault: VaultFixture;
  let front: Server;
  let address: string;
  let caFile: string;

  before(async () => {
    vault = await startVaultFixture({ pki: { ttl: '1h' } });
    const root = { 'X-Vault-Token': vault.backend.rootToken, 'content-type': 'application/json' };
    const post = async (path: string, body: unknown) => {
      const response = await fetch(`${vault.backend.directUrl}/v1/${path}`, { method: 'POST', headers: root, body: JSON.stringify(body) });
      assert.equal(response.status, 200, `${path}: ${await response.clone().text()}`);
      return ((await response.json()) as { data: Record<string, string> }).data;
    };
    await post('pki/roles/loopback', { allow_any_name: true, ttl: '1h' });
    const issued = await post('pki/issue/loopback', { common_name: 'localhost', ip_sans: '127.0.0.1' });
    caFile = join(vault.base, 'vault-ca.pem');
    await writeFile(caFile, issued.issuing_ca!);
    const upstream = new URL(vault.backend.url);
    front = createServer({ cert: issued.certificate, key: issued.private_key }, (req, res) => {
      const forward = request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers, agent: false }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      forward.on('error', () => res.destroy());
      req.pipe(forward);
    });
    await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
    address = `https://127.0.0.1:${(front.address() as { port: number }).port}`;
  });

  after(async () => {
    front.closeAllConnections();
    await new Promise((resolve) => front.close(resolve));
    await vault.close();
  });

  const once = async (vaultSection: Record<string, unknown>) => {
    const config = await vault.writeConfig(vault.config([{ name: 'app-config', kind: 'kv2', path: 'demo/config', file: 'config.json' }], { vault: { retry_cap: '1s', max_retries: 0, ...vaultSection }, listen: false }));
    const agent = imageProcess(['once', '--config', config, '--timeout', '5s']);
    return run(agent.command, agent.args, { env: agent.env }).then(() => 0, (error: { code: number; stdout: string }) => ({ code: error.code, stdout: error.stdout }));
  };

  it('writes the secret when vault.ca_cert names the CA that signed the server', async () => {
    assert.equal(await once({ address, ca_cert: caFile }), 0);
    assert.equal(JSON.parse(await readFile(join(vault.secretsDir, 'config.json'), 'utf8')).api_key, 'demo-kv-secret-1');
  });

  it('against a plain http Vault, loads none of TLS, HTTP/2, undici, child processes or cluster', async () => {
    const config = await vault.writeConfig(vault.config([{ name: 'app-config', kind: 'kv2', path: 'demo/config', file: 'plain.json' }], { listen: false }));
    const report = join(vault.base, 'builtins.json');
    const hook = `data:text/javascript,process.on('exit', () => process.getBuiltinModule('fs').writeFileSync(${JSON.stringify(report)}, JSON.stringify(process.moduleLoadList)))`;
    const agent = imageNode(['--import', hook, imageRuntime().cli, 'once', '--config', config]);
    await run(agent.command, agent.args, { env: agent.env });
    const loaded = new Set((JSON.parse(await readFile(report, 'utf8')) as string[]).filter((m) => m.startsWith('NativeModule ')).map((m) => m.slice('NativeModule '.length)));
    assert.ok(loaded.has('http') && loaded.has('crypto'), 'the list is the one Node keeps');
    for (const unused of ['tls', 'https', 'http2', 'internal/deps/undici/undici', 'child_process', 'dgram', 'cluster']) assert.ok(!loaded.has(unused), `${unused} was loaded`);
  });

  it('refuses the server without that CA, and says why', async () => {
    const result = await once({ address });
    assert.notEqual(result, 0);
    assert.match((result as { stdout: string }).stdout, /could not reach Vault: (UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT)/);
  });
});
