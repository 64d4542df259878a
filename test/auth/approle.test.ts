import assert from 'node:assert/strict';
import { access, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { approleAuth, type ApproleAuthConfig } from '../../src/auth/approle.js';
import { AuthHandler } from '../../src/auth/auth-handler.js';
import type { AuthMethod } from '../../src/auth/method.js';
import { unwrapWith } from '../../src/auth/unwrap.js';
import { startDevServer, type DevServer } from '../../src/devserver/index.js';
import { AuthError } from '../../src/errors.js';
import { silentLogger } from '../../src/log.js';
import { noopRecorder } from '../../src/metrics/recorder.js';
import type { VaultClient } from '../../src/vault/client.js';
import { testClient } from '../vault/helpers.js';

describe('approleAuth', () => {
  let server: DevServer;
  let vault: VaultClient;
  let dir: string;
  let roleIdFile: string;
  let secretIdFile: string;
  let controller: AbortController;
  let running: Promise<void> | undefined;

  /** A Vault request as the root token, optionally response-wrapped. */
  async function asRoot(method: string, path: string, body?: unknown, wrapTtl?: string): Promise<any> {
    const response = await fetch(`${server.url}/v1/${path}`, {
      method,
      headers: { 'X-Vault-Token': server.rootToken, ...(wrapTtl ? { 'X-Vault-Wrap-TTL': wrapTtl } : {}) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return text ? JSON.parse(text) : undefined;
  }

  const method = (overrides: Partial<ApproleAuthConfig> = {}): AuthMethod =>
    approleAuth(
      { mount: 'approle', roleIdFile, secretIdFile, secretIdWrapped: false, removeSecretIdFile: false, ...overrides },
      { unwrap: unwrapWith(vault) },
    );

  function handler(authMethod: AuthMethod): AuthHandler {
    const auth = new AuthHandler({
      vault, method: authMethod, recorder: noopRecorder, logger: silentLogger(),
      backoff: { baseMs: 50, capMs: 200, floorMs: 10 }, random: () => 0.5,
    });
    running = auth.start(controller.signal);
    return auth;
  }

  const policiesOf = async (token: string) =>
    (await (await fetch(`${server.url}/v1/auth/token/lookup-self`, { headers: { 'X-Vault-Token': token } })).json() as any).data.policies;
  const logins = () => server.countRequests({ path: 'auth/approle/login', status: 200 });
  const unwraps = () => server.countRequests({ path: 'sys/wrapping/unwrap' });

  beforeEach(async () => {
    server = await startDevServer({ port: 0 });
    vault = testClient(server.url, { maxRetries: 0 });
    dir = await mkdtemp(join(tmpdir(), 'vaultlet-approle-'));
    roleIdFile = join(dir, 'role-id');
    secretIdFile = join(dir, 'secret-id');
    controller = new AbortController();
    running = undefined;
    await asRoot('POST', 'auth/approle/role/web', { token_policies: 'app', token_ttl: '1h', secret_id_num_uses: 5 });
    await writeFile(roleIdFile, `${(await asRoot('GET', 'auth/approle/role/web/role-id')).data.role_id}\n`);
  });
  afterEach(async () => {
    controller.abort();
    await running;
    vault.close();
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('builds the login from both files, read afresh; without a secret_id file it sends the role_id alone', async () => {
    await writeFile(secretIdFile, ' first-secret \n');
    const plain = method({ mount: 'approle-ci' });
    assert.deepEqual([plain.name, plain.credentialFile, plain.reloginOnChange], ['approle', secretIdFile, false]);
    const plan = await plain.loginPlan();
    assert.equal(plan.kind === 'login' && plan.path, 'auth/approle-ci/login');
    assert.equal(plan.kind === 'login' && plan.body['secret_id'], 'first-secret');
    await writeFile(secretIdFile, 'second-secret');
    const next = await plain.loginPlan();
    assert.equal(next.kind === 'login' && next.body['secret_id'], 'second-secret');
    const roleOnly = method({ secretIdFile: undefined });
    assert.equal(roleOnly.credentialFile, roleIdFile);
    const body = await roleOnly.loginPlan();
    assert.deepEqual(body.kind === 'login' && Object.keys(body.body), ['role_id']);
  });

  it('logs in through the auth handler and gets a token with the role’s policies', async () => {
    await writeFile(secretIdFile, (await asRoot('POST', 'auth/approle/role/web/secret-id')).data.secret_id);
    const auth = handler(method());
    const token = await auth.tokenFor(controller.signal);
    assert.deepEqual(await policiesOf(token), ['app', 'default']);
    assert.equal(auth.current()?.ttlMs, 3_600_000);
    assert.equal(auth.current()?.owned, true);
  });

  it('unwraps a wrapped secret_id once and reuses it for the next login', async () => {
    const wrapped = await asRoot('POST', 'auth/approle/role/web/secret-id', undefined, '2m');
    await writeFile(secretIdFile, wrapped.wrap_info.token);
    const auth = handler(method({ secretIdWrapped: true }));
    const first = await auth.tokenFor(controller.signal);
    const second = await auth.tokenOtherThan(first, controller.signal);
    assert.notEqual(second, first);
    assert.deepEqual(await policiesOf(second), ['app', 'default']);
    assert.equal(logins(), 2);
    assert.equal(unwraps(), 1);

    // A new wrapping token in the file is unwrapped in turn.
    await writeFile(secretIdFile, (await asRoot('POST', 'auth/approle/role/web/secret-id', undefined, '2m')).wrap_info.token);
    await auth.tokenOtherThan(second, controller.signal);
    assert.equal(unwraps(), 2);
    assert.equal(logins(), 3);
  });

  it('refuses a wrapping token minted by another path, naming the file and the path, and leaves it unused', async () => {
    // Anyone may wrap data of their choosing with sys/wrapping/wrap: a secret_id from there is not Vault's.
    const secretId = (await asRoot('POST', 'auth/approle/role/web/secret-id')).data.secret_id;
    const forged = (await asRoot('POST', 'sys/wrapping/wrap', { secret_id: secretId }, '2m')).wrap_info.token;
    await writeFile(secretIdFile, forged);
    await assert.rejects(method({ secretIdWrapped: true }).loginPlan(), (error: Error) => {
      assert.ok(error instanceof AuthError);
      assert.ok(error.message.includes(secretIdFile), error.message);
      assert.match(error.message, /created at "sys\/wrapping\/wrap", not auth\/approle\/role\/<role>\/secret-id/);
      assert.ok(!error.message.includes(forged) && !error.message.includes(secretId));
      return true;
    });
    assert.equal(unwraps(), 0);
    // An explicit secret_id_response_wrapping_path is matched exactly.
    const wrapped = (await asRoot('POST', 'auth/approle/role/web/secret-id', undefined, '2m')).wrap_info.token;
    await writeFile(secretIdFile, wrapped);
    const strict = method({ secretIdWrapped: true, secretIdWrappingPath: 'auth/approle/role/other/secret-id' });
    await assert.rejects(strict.loginPlan(), /created at "auth\/approle\/role\/web\/secret-id", not "auth\/approle\/role\/other\/secret-id"/);
  });

  it('removes the secret_id file after reading and keeps logging in with the secret_id in memory', async () => {
    const wrapped = await asRoot('POST', 'auth/approle/role/web/secret-id', undefined, '2m');
    await writeFile(secretIdFile, wrapped.wrap_info.token);
    const auth = handler(method({ secretIdWrapped: true, removeSecretIdFile: true }));
    const first = await auth.tokenFor(controller.signal);
    await assert.rejects(access(secretIdFile), { code: 'ENOENT' });
    await auth.tokenOtherThan(first, controller.signal);
    assert.deepEqual([logins(), unwraps()], [2, 1]);
  });

  it('names the file, not its content, when a credential is missing or the wrapping token is used up', async () => {
    await rm(roleIdFile);
    await assert.rejects(method().loginPlan(), (error: Error) => error instanceof AuthError && error.message.includes(roleIdFile));
    await writeFile(roleIdFile, 'role');
    await assert.rejects(method().loginPlan(), (error: Error) => error instanceof AuthError && error.message.includes(secretIdFile));
    const token = (await asRoot('POST', 'auth/approle/role/web/secret-id', undefined, '2m')).wrap_info.token;
    await asRoot('POST', 'sys/wrapping/unwrap', { token });
    await writeFile(secretIdFile, token);
    await assert.rejects(method({ secretIdWrapped: true }).loginPlan(), (error: Error) => {
      assert.ok(error instanceof AuthError);
      assert.match(error.message, /is not valid: it was already unwrapped, has expired or was revoked/);
      assert.ok(error.message.includes(secretIdFile) && !error.message.includes(token));
      return true;
    });
  });
});
