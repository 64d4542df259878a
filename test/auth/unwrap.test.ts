import assert from 'node:assert/strict';
import { ContentMemo, unwrapFileToken, unwrapWith, type WrappedFileSpec } from '../../src/auth/unwrap.js';
import { startDevServer, type DevServer } from '../../src/devserver/index.js';
import { AuthError, VaultRequestRejectedError } from '../../src/errors.js';
import type { VaultClient } from '../../src/vault/client.js';
import { recordingRecorder, testClient } from '../vault/helpers.js';

/** Asks the dev server for a response-wrapped answer and returns the wrapping token. */
async function wrappedToken(server: DevServer, method: string, path: string, body?: unknown): Promise<string> {
  const response = await fetch(`${server.url}/v1/${path}`, {
    method,
    headers: { 'X-Vault-Token': server.rootToken, 'X-Vault-Wrap-TTL': '5m', 'Content-Type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const answer = (await response.json()) as { wrap_info?: { token: string } };
  assert.ok(answer.wrap_info, `no wrap_info from ${path}: ${JSON.stringify(answer)}`);
  return answer.wrap_info.token;
}

describe('unwrapWith', () => {
  let server: DevServer;
  let vault: VaultClient;
  const recorder = recordingRecorder();
  const spec: WrappedFileSpec = { file: '/etc/vaultlet/secret-id', creationPath: /^secret\/data\/app$/, expected: 'secret/data/app' };

  beforeEach(async () => {
    server = await startDevServer({ port: 0 });
    vault = testClient(server.url, { maxRetries: 0 }, recorder);
    recorder.vaultRequests.length = 0;
    await fetch(`${server.url}/v1/secret/data/app`, {
      method: 'POST', headers: { 'X-Vault-Token': server.rootToken }, body: JSON.stringify({ data: { password: 's3cret' } }),
    });
  });
  afterEach(async () => {
    vault.close();
    await server.close();
  });

  it('returns the wrapped answer once, measured as the unwrap operation', async () => {
    const token = await wrappedToken(server, 'GET', 'secret/data/app');
    const unwrap = unwrapWith(vault);
    const response = await unwrap(token);
    assert.deepEqual((response.data as { data: unknown }).data, { password: 's3cret' });
    await assert.rejects(unwrap(token), (error: Error) => error instanceof VaultRequestRejectedError && error.status === 400);
    assert.deepEqual(recorder.vaultRequests.map((r) => [r.operation, r.status]), [['unwrap', 200], ['unwrap', 400]]);
  });

  it('looks a wrapping token up without using it up', async () => {
    const token = await wrappedToken(server, 'GET', 'secret/data/app');
    const info = await unwrapWith(vault).lookup(token);
    assert.deepEqual([info.creationPath, info.creationTtlSeconds], ['secret/data/app', 300]);
    assert.ok(Date.parse(info.creationTime) > 0);
    assert.equal(server.countRequests({ path: 'sys/wrapping/lookup', method: 'POST' }), 1);
    await unwrapWith(vault)(token);
  });

  it('refuses a token minted by another path before using it, naming the file and the path only', async () => {
    const token = await wrappedToken(server, 'POST', 'sys/wrapping/wrap', { password: 'chosen-by-someone' });
    await assert.rejects(unwrapFileToken(unwrapWith(vault), token, spec), (error: Error) => {
      assert.ok(error instanceof AuthError);
      assert.match(error.message, /\/etc\/vaultlet\/secret-id was created at "sys\/wrapping\/wrap", not secret\/data\/app/);
      assert.ok(!error.message.includes(token));
      return true;
    });
    assert.equal(server.countRequests({ path: 'sys/wrapping/unwrap' }), 0);
    await unwrapWith(vault)(token);
  });

  it('explains a used-up wrapping token as such', async () => {
    const token = await wrappedToken(server, 'GET', 'secret/data/app');
    const response = await unwrapFileToken(unwrapWith(vault), token, spec);
    assert.deepEqual((response.data as { data: unknown }).data, { password: 's3cret' });
    await assert.rejects(unwrapFileToken(unwrapWith(vault), token, spec), (error: Error) => {
      assert.ok(error instanceof AuthError);
      assert.match(error.message, /wrapping token in \/etc\/vaultlet\/secret-id is not valid: it was already unwrapped/);
      assert.match(error.message, /wrapping token is not valid or does not exist/);
      assert.ok(!error.message.includes(token));
      return true;
    });
  });
});

describe('ContentMemo', () => {
  it('opens each distinct content once, forgets failures and keeps the latest', async () => {
    const opened: string[] = [];
    const memo = new ContentMemo(async (content) => {
      opened.push(content);
      if (content === 'bad') throw new Error('refused');
      return content.toUpperCase();
    });
    assert.equal(memo.latest(), undefined);
    assert.deepEqual(await Promise.all([memo.value('one'), memo.value('one')]), ['ONE', 'ONE']);
    assert.equal(await memo.value('one'), 'ONE');
    assert.equal(await memo.value('two'), 'TWO');
    assert.equal(await memo.latest(), 'TWO');
    await assert.rejects(memo.value('bad'), /refused/);
    await assert.rejects(memo.value('bad'), /refused/);
    assert.deepEqual(opened, ['one', 'two', 'bad', 'bad']);
  });
});
