import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuthError } from '../../src/errors.js';
import { createAuthMethod } from '../../src/auth/method.js';
import { AuthHandler } from '../../src/auth/auth-handler.js';
import { tokenFileAuth } from '../../src/auth/token-file.js';
import { unwrapWith } from '../../src/auth/unwrap.js';
import { startDevServer, type DevServer } from '../../src/devserver/index.js';
import { silentLogger } from '../../src/log.js';
import { noopRecorder } from '../../src/metrics/recorder.js';
import { VaultClient } from '../../src/vault/client.js';
import { testClient } from '../vault/helpers.js';

/** The token file method never unwraps without `wrapped`; the client only satisfies the factory. */
const unusedVault = new VaultClient({
  config: { address: 'http://127.0.0.1:1', tlsSkipVerify: false, maxRetries: 0, requestTimeoutMs: 1000, retryCapMs: 1000 },
  recorder: noopRecorder,
});

describe('tokenFileAuth', () => {
  let dir: string;
  let path: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vaultlet-token-file-'));
    path = join(dir, 'vault-token');
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('hands over the trimmed token from the file, read afresh each time', async () => {
    const method = tokenFileAuth({ path });
    assert.equal(method.name, 'token_file');
    assert.equal(method.credentialFile, path);
    await writeFile(path, 's.first\n');
    assert.deepEqual(await method.loginPlan(), { kind: 'token', token: 's.first' });
    await writeFile(path, 's.second');
    assert.deepEqual(await method.loginPlan(), { kind: 'token', token: 's.second' });
  });

  it('fails with an AuthError naming the path when the file is missing or empty', async () => {
    const method = createAuthMethod({ method: 'token_file', path, wrapped: false }, unusedVault);
    await assert.rejects(method.loginPlan(), (error: Error) => error instanceof AuthError && error.message.includes(path));
    await writeFile(path, '\n');
    await assert.rejects(method.loginPlan(), (error: Error) => error instanceof AuthError && /empty/.test(error.message));
  });
});

describe('tokenFileAuth with a wrapped token', () => {
  let server: DevServer;
  let vault: VaultClient;
  let dir: string;
  let path: string;
  let controller: AbortController;
  let running: Promise<void> | undefined;

  /** `vault token create -wrap-ttl=2m`, or any other wrapped request as root. */
  async function wrapped(vaultPath: string, body: unknown): Promise<string> {
    const response = await fetch(`${server.url}/v1/${vaultPath}`, {
      method: 'POST', headers: { 'X-Vault-Token': server.rootToken, 'X-Vault-Wrap-TTL': '2m' }, body: JSON.stringify(body),
    });
    return ((await response.json()) as { wrap_info: { token: string } }).wrap_info.token;
  }
  const unwraps = () => server.countRequests({ path: 'sys/wrapping/unwrap' });

  beforeEach(async () => {
    server = await startDevServer({ port: 0 });
    vault = testClient(server.url, { maxRetries: 0 });
    dir = await mkdtemp(join(tmpdir(), 'vaultlet-token-file-'));
    path = join(dir, 'wrapped-token');
    controller = new AbortController();
    running = undefined;
  });
  afterEach(async () => {
    controller.abort();
    await running;
    vault.close();
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('unwraps the token once and keeps using it while the file holds the same wrapping token', async () => {
    await writeFile(path, `${await wrapped('auth/token/create', { policies: ['app'], ttl: '1h' })}\n`);
    const method = tokenFileAuth({ path, wrapped: true }, { unwrap: unwrapWith(vault) });
    const first = await method.loginPlan();
    assert.equal(first.kind, 'token');
    const token = first.kind === 'token' ? first.token : '';
    assert.match(token, /^hvs\./);
    assert.deepEqual(await method.loginPlan(), first);
    assert.equal(unwraps(), 1);

    const auth = new AuthHandler({ vault, method, recorder: noopRecorder, logger: silentLogger() });
    running = auth.start(controller.signal);
    assert.equal(await auth.tokenFor(controller.signal), token);
    // The token-file path looks the token up: its TTL is what is left of the hour.
    assert.ok(auth.current()!.ttlMs > 3_590_000 && auth.current()!.ttlMs <= 3_600_000);
    assert.equal(auth.current()?.owned, false);

    await writeFile(path, await wrapped('auth/token/create', { policies: ['app'], ttl: '1h' }));
    const next = await method.loginPlan();
    assert.notDeepEqual(next, first);
    assert.equal(unwraps(), 2);
  });

  it('refuses a wrapping token that did not come from an auth path, and one already used', async () => {
    const forged = await wrapped('sys/wrapping/wrap', { auth: { client_token: 'hvs.chosen' } });
    await writeFile(path, forged);
    const method = tokenFileAuth({ path, wrapped: true }, { unwrap: unwrapWith(vault) });
    await assert.rejects(method.loginPlan(), (error: Error) => {
      assert.ok(error instanceof AuthError);
      assert.ok(error.message.includes(path) && error.message.includes('"sys/wrapping/wrap"'), error.message);
      assert.ok(!error.message.includes(forged));
      return true;
    });
    const used = await wrapped('auth/token/create', { ttl: '1h' });
    await fetch(`${server.url}/v1/sys/wrapping/unwrap`, { method: 'POST', headers: { 'X-Vault-Token': used } });
    await writeFile(path, used);
    await assert.rejects(method.loginPlan(), /is not valid: it was already unwrapped/);
  });

  it('cannot be built wrapped without a way to unwrap', () => {
    assert.throws(() => tokenFileAuth({ path: '/x', wrapped: true }), /wrapped/);
  });
});
