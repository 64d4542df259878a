import assert from 'node:assert/strict';
import {
  AbortedError,
  VaultConnectionError,
  VaultPermissionDeniedError,
  VaultRateLimitedError,
  VaultRequestRejectedError,
  VaultResponseError,
  VaultTimeoutError,
  VaultUnavailableError,
} from '../../src/errors.js';
import type { VaultClient } from '../../src/vault/client.js';
import { refusedPort, startFakeVault, type FakeVault } from '../support/fake-vault.js';
import { recordingRecorder, testClient } from './helpers.js';

const TOKEN = 's.test-token-0123456789abcdef';

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  assert.fail('expected the request to fail');
}

describe('VaultClient', () => {
  let fake: FakeVault;
  let client: VaultClient | undefined;

  beforeEach(async () => {
    fake = await startFakeVault();
  });
  afterEach(async () => {
    client?.close();
    client = undefined;
    await fake.close();
  });

  describe('what it sends', () => {
    const savedToken = process.env.VAULT_TOKEN;
    before(() => {
      process.env.VAULT_TOKEN = 's.from-the-environment';
    });
    after(() => {
      if (savedToken === undefined) delete process.env.VAULT_TOKEN;
      else process.env.VAULT_TOKEN = savedToken;
    });

    it('sends the token it was given as X-Vault-Token', async () => {
      fake.on('GET', '/v1/secret/data/app', { body: { data: { data: { a: 1 }, metadata: { version: 1 } } } });
      client = testClient(fake.url);
      const response = await client.request('secret_read', { method: 'GET', path: 'secret/data/app', token: TOKEN });
      assert.deepEqual(response.data, { data: { a: 1 }, metadata: { version: 1 } });
      assert.equal(fake.requests[0]?.headers['x-vault-token'], TOKEN);
    });

    it('sends no token when none is given, even with VAULT_TOKEN in the environment', async () => {
      fake.on('POST', '/v1/auth/kubernetes/login', { body: { auth: { client_token: 'new', lease_duration: 60, renewable: true } } });
      client = testClient(fake.url);
      await client.request('login', { method: 'POST', path: 'auth/kubernetes/login', body: { role: 'r', jwt: 'j' } });
      const sent = fake.requests[0]!;
      assert.equal(sent.headers['x-vault-token'], undefined);
      assert.deepEqual(sent.body, { role: 'r', jwt: 'j' });
    });

    it('sends X-Vault-Namespace from the config, and none without one', async () => {
      fake.on('GET', '/v1/sys/health', { body: {} });
      client = testClient(fake.url, { namespace: 'team-a/' });
      await client.request('health', { method: 'GET', path: 'sys/health' });
      client.close();
      client = testClient(fake.url);
      await client.request('health', { method: 'GET', path: 'sys/health' });
      assert.equal(fake.requests[0]?.headers['x-vault-namespace'], 'team-a/');
      assert.equal(fake.requests[1]?.headers['x-vault-namespace'], undefined);
    });

    it('turns LIST into GET with ?list=true', async () => {
      fake.on('GET', '/v1/secret/metadata/apps', { body: { data: { keys: ['a'] } } });
      client = testClient(fake.url);
      const response = await client.request('secret_read', { method: 'LIST', path: 'secret/metadata/apps', token: TOKEN });
      assert.deepEqual(response.data, { keys: ['a'] });
      assert.equal(fake.requests[0]?.method, 'GET');
      assert.equal(fake.requests[0]?.query.get('list'), 'true');
    });
  });

  describe('retries', () => {
    const transient: Array<[number, new (...args: never[]) => Error]> = [
      [500, VaultResponseError],
      [502, VaultResponseError],
      [503, VaultUnavailableError],
      [412, VaultResponseError],
      [429, VaultRateLimitedError],
    ];
    for (const [status, type] of transient) {
      it(`retries HTTP ${status} up to max_retries, then throws ${type.name}`, async () => {
        fake.on('GET', '/v1/kv/x', { status, body: { errors: [`status ${status}`] } });
        client = testClient(fake.url, { maxRetries: 2 });
        const error = await rejection(client.request('secret_read', { method: 'GET', path: 'kv/x', token: TOKEN }));
        assert.ok(error instanceof type, `got ${error.name}`);
        assert.equal((error as VaultResponseError).status, status);
        assert.equal(fake.requests.length, 3);
      });
    }

    it('succeeds when a retry succeeds', async () => {
      fake.queue('GET', '/v1/kv/x', { status: 503, body: { errors: ['Vault is sealed'] } }).on('GET', '/v1/kv/x', { body: { data: { ok: true } } });
      client = testClient(fake.url);
      const response = await client.request('secret_read', { method: 'GET', path: 'kv/x', token: TOKEN });
      assert.deepEqual(response.data, { ok: true });
      assert.equal(fake.requests.length, 2);
    });

    const final: Array<[number, new (...args: never[]) => Error]> = [
      [400, VaultRequestRejectedError],
      [403, VaultPermissionDeniedError],
      [404, VaultRequestRejectedError],
    ];
    for (const [status, type] of final) {
      it(`never retries HTTP ${status} (${type.name})`, async () => {
        fake.on('GET', '/v1/kv/x', { status, body: { errors: ['no'] } });
        client = testClient(fake.url, { maxRetries: 3 });
        const error = await rejection(client.request('secret_read', { method: 'GET', path: 'kv/x', token: TOKEN }));
        assert.ok(error instanceof type, `got ${error.name}`);
        assert.equal(fake.requests.length, 1);
      });
    }

    it('retries a refused connection, then throws VaultConnectionError', async () => {
      const recorder = recordingRecorder();
      client = testClient(`http://127.0.0.1:${await refusedPort()}`, { maxRetries: 2 }, recorder);
      const error = await rejection(client.request('secret_read', { method: 'GET', path: 'kv/x', token: TOKEN }));
      assert.ok(error instanceof VaultConnectionError, `got ${error.name}`);
      assert.match(error.message, /ECONNREFUSED/);
      assert.deepEqual(recorder.vaultRequests.map((r) => r.status), [0, 0, 0]);
    });

    it('honours Retry-After seconds before retrying', async () => {
      fake.queue('GET', '/v1/kv/x', { status: 429, body: { errors: ['rate limited'] }, headers: { 'retry-after': '1' } });
      fake.on('GET', '/v1/kv/x', { body: { data: {} } });
      client = testClient(fake.url);
      await client.request('secret_read', { method: 'GET', path: 'kv/x', token: TOKEN });
      const [first, second] = fake.requests;
      assert.ok(second!.at - first!.at >= 990, `retried after ${second!.at - first!.at} ms`);
    });
  });

  describe('timeouts and aborts', () => {
    it('throws VaultTimeoutError when Vault does not answer in time', async () => {
      fake.on('GET', '/v1/kv/x', 'hang');
      client = testClient(fake.url, { requestTimeoutMs: 200, maxRetries: 0 });
      const error = await rejection(client.request('secret_read', { method: 'GET', path: 'kv/x', token: TOKEN }));
      assert.ok(error instanceof VaultTimeoutError, `got ${error.name}`);
    });

    it('throws VaultConnectionError when the connection is dropped', async () => {
      fake.on('GET', '/v1/kv/x', 'destroy');
      client = testClient(fake.url, { maxRetries: 1 });
      const error = await rejection(client.request('secret_read', { method: 'GET', path: 'kv/x', token: TOKEN }));
      assert.ok(error instanceof VaultConnectionError, `got ${error.name}`);
      assert.equal(fake.requests.length, 2);
    });

    it('stops a hanging request promptly with AbortedError when the signal aborts', async () => {
      fake.on('GET', '/v1/kv/x', 'hang');
      client = testClient(fake.url, { requestTimeoutMs: 20_000 });
      const controller = new AbortController();
      const started = Date.now();
      setTimeout(() => controller.abort(), 100);
      const error = await rejection(client.request('secret_read', { method: 'GET', path: 'kv/x', token: TOKEN, signal: controller.signal }));
      assert.ok(error instanceof AbortedError, `got ${error.name}`);
      assert.ok(Date.now() - started < 1_000);
      assert.equal(fake.requests.length, 1);
    });

    it('stops waiting between retries when the signal aborts', async () => {
      fake.on('GET', '/v1/kv/x', { status: 503, headers: { 'retry-after': '10' } });
      client = testClient(fake.url, { maxRetries: 5 });
      const controller = new AbortController();
      const started = Date.now();
      setTimeout(() => controller.abort(), 200);
      const error = await rejection(client.request('secret_read', { method: 'GET', path: 'kv/x', token: TOKEN, signal: controller.signal }));
      assert.ok(error instanceof AbortedError, `got ${error.name}`);
      assert.ok(Date.now() - started < 1_000);
    });
  });

  describe('metrics and error text', () => {
    it('records operation, status and duration for every attempt', async () => {
      const recorder = recordingRecorder();
      fake.queue('PUT', '/v1/sys/leases/renew', { status: 500, body: { errors: ['internal'] } });
      fake.on('PUT', '/v1/sys/leases/renew', async () => {
        await new Promise((resolve) => setTimeout(resolve, 50));
        return { body: { lease_id: 'l', lease_duration: 10, renewable: true } };
      });
      client = testClient(fake.url, {}, recorder);
      await client.request('lease_renew', { method: 'PUT', path: 'sys/leases/renew', body: { lease_id: 'l' }, token: TOKEN });
      assert.deepEqual(recorder.vaultRequests.map((r) => [r.operation, r.status]), [['lease_renew', 500], ['lease_renew', 200]]);
      assert.ok(recorder.vaultRequests[1]!.seconds >= 0.04 && recorder.vaultRequests[1]!.seconds < 5);
    });

    it("puts Vault's errors in the message and never the token", async () => {
      fake.on('GET', '/v1/kv/x', { status: 403, body: { errors: ['permission denied', '1 error occurred'] } });
      client = testClient(fake.url);
      const error = await rejection(client.request('secret_read', { method: 'GET', path: 'kv/x', token: TOKEN }));
      assert.match(error.message, /permission denied/);
      assert.match(error.message, /403/);
      assertNoToken(error);
    });

    for (const [name, answer] of [
      ['a timeout', 'hang'],
      ['a dropped connection', 'destroy'],
    ] as const) {
      it(`keeps the token out of the error for ${name}, cause included`, async () => {
        fake.on('GET', '/v1/kv/x', answer);
        client = testClient(fake.url, { requestTimeoutMs: 200, maxRetries: 0 });
        assertNoToken(await rejection(client.request('secret_read', { method: 'GET', path: 'kv/x', token: TOKEN })));
      });
    }
  });
});

function assertNoToken(error: Error): void {
  assert.ok(!error.message.includes(TOKEN), error.message);
  assert.ok(!JSON.stringify(error).includes(TOKEN));
  // JSON.stringify skips `cause`, `message` and `stack` (not enumerable): walk every own property.
  const seen = new Set<unknown>();
  const walk = (value: unknown, depth: number): void => {
    if (typeof value === 'string') {
      assert.ok(!value.includes(TOKEN), `token leaked: ${value.slice(0, 200)}`);
      return;
    }
    if (value === null || typeof value !== 'object' || seen.has(value) || depth > 8) return;
    seen.add(value);
    for (const name of Object.getOwnPropertyNames(value)) walk((value as Record<string, unknown>)[name], depth + 1);
  };
  walk(error, 0);
}
