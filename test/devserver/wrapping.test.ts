import assert from 'node:assert/strict';
import { startDevServer, type DevServer } from '../../src/devserver/index.js';
import { call, fakeClock } from './helpers.js';

/** A raw request with X-Vault-Wrap-TTL (node-vault cannot set it). */
async function wrapped(
  server: DevServer,
  method: string,
  path: string,
  wrapTtl: string,
  options: { token?: string; body?: unknown } = {},
): Promise<{ status: number; body: any }> {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: {
      'X-Vault-Wrap-TTL': wrapTtl,
      ...(options.token ? { 'X-Vault-Token': options.token } : {}),
      ...(options.body !== undefined ? { 'Content-Type': 'application/json' } : {}),
    },
    ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

const INVALID = { errors: ['wrapping token is not valid or does not exist'] };

describe('devserver response wrapping', () => {
  let server: DevServer;
  const clock = fakeClock();
  beforeEach(async () => {
    server = await startDevServer({ port: 0, now: clock.now });
    const written = await call(server, 'POST', '/v1/secret/data/app', { token: 'root', body: { data: { password: 's3cret' } } });
    assert.equal(written.status, 200);
  });
  afterEach(() => server.close());

  /** A token holding only the default policy, as most clients have. */
  async function defaultToken(): Promise<string> {
    const created = await call(server, 'POST', '/v1/auth/token/create', { token: 'root', body: { policies: ['default'] } });
    return created.body.auth.client_token;
  }

  it('answers a wrapped read with wrap_info only, and unwraps it exactly once', async () => {
    const answer = await wrapped(server, 'GET', '/v1/secret/data/app', '90s', { token: 'root' });
    assert.equal(answer.status, 200);
    assert.equal(answer.body.data, null);
    assert.equal(answer.body.auth, null);
    const info = answer.body.wrap_info;
    assert.match(info.token, /^hvs\.\w{24}$/);
    assert.equal(typeof info.accessor, 'string');
    assert.equal(info.ttl, 90);
    assert.equal(info.creation_path, 'secret/data/app');
    assert.equal(info.creation_time, new Date(clock.now()).toISOString());
    assert.ok(!JSON.stringify(answer.body).includes('s3cret'));

    const unwrapped = await call(server, 'POST', '/v1/sys/wrapping/unwrap', { token: info.token });
    assert.equal(unwrapped.status, 200);
    assert.deepEqual(unwrapped.body.data.data, { password: 's3cret' });
    assert.equal(unwrapped.body.wrap_info, null);

    const again = await call(server, 'POST', '/v1/sys/wrapping/unwrap', { token: info.token });
    assert.equal(again.status, 400);
    assert.deepEqual(again.body, INVALID);
  });

  it('lets another token unwrap with the wrapping token in the body, if its policy allows', async () => {
    const info = (await wrapped(server, 'GET', '/v1/secret/data/app', '60', { token: 'root' })).body.wrap_info;
    const anonymous = await call(server, 'POST', '/v1/sys/wrapping/unwrap', { body: { token: info.token } });
    assert.equal(anonymous.status, 403);
    const unwrapped = await call(server, 'POST', '/v1/sys/wrapping/unwrap', { token: await defaultToken(), body: { token: info.token } });
    assert.equal(unwrapped.status, 200);
    assert.deepEqual(unwrapped.body.data.data, { password: 's3cret' });
    const bogus = await call(server, 'POST', '/v1/sys/wrapping/unwrap', { token: 'root', body: { token: 'root' } });
    assert.deepEqual([bogus.status, bogus.body], [400, INVALID]);
  });

  it('looks a wrapping token up without using it, and it works for nothing but unwrapping', async () => {
    const info = (await wrapped(server, 'GET', '/v1/secret/data/app', '5m', { token: 'root' })).body.wrap_info;
    const looked = await call(server, 'POST', '/v1/sys/wrapping/lookup', { body: { token: info.token } });
    assert.equal(looked.status, 200);
    assert.deepEqual(looked.body.data, { creation_ttl: 300, creation_time: info.creation_time, creation_path: 'secret/data/app' });
    const byHeader = await call(server, 'GET', '/v1/sys/wrapping/lookup', { token: info.token });
    assert.equal(byHeader.body.data.creation_path, 'secret/data/app');
    assert.equal((await call(server, 'GET', '/v1/secret/data/app', { token: info.token })).status, 403);
    assert.equal((await call(server, 'GET', '/v1/auth/token/lookup-self', { token: info.token })).status, 403);
    assert.equal((await call(server, 'POST', '/v1/sys/wrapping/unwrap', { token: info.token })).status, 200);
    const gone = await call(server, 'POST', '/v1/sys/wrapping/lookup', { body: { token: info.token } });
    assert.deepEqual([gone.status, gone.body], [400, INVALID]);
  });

  it('lets the wrapping token expire with its TTL', async () => {
    const info = (await wrapped(server, 'GET', '/v1/secret/data/app', '2m', { token: 'root' })).body.wrap_info;
    clock.advanceSeconds(119);
    assert.equal((await call(server, 'POST', '/v1/sys/wrapping/lookup', { body: { token: info.token } })).status, 200);
    clock.advanceSeconds(2);
    assert.deepEqual((await call(server, 'POST', '/v1/sys/wrapping/unwrap', { token: info.token })).body, INVALID);
  });

  it('wraps a token create, naming the wrapped token accessor; the unwrapped token works', async () => {
    const answer = await wrapped(server, 'POST', '/v1/auth/token/create', '60', { token: 'root', body: { policies: ['app'], ttl: '1h' } });
    assert.equal(answer.status, 200);
    assert.equal(answer.body.auth, null);
    const info = answer.body.wrap_info;
    assert.equal(info.creation_path, 'auth/token/create');
    const unwrapped = await call(server, 'POST', '/v1/sys/wrapping/unwrap', { token: info.token });
    const auth = unwrapped.body.auth;
    assert.equal(info.wrapped_accessor, auth.accessor);
    assert.deepEqual(auth.policies, ['app', 'default']);
    const self = await call(server, 'GET', '/v1/auth/token/lookup-self', { token: auth.client_token });
    assert.equal(self.status, 200);
    assert.equal(self.body.data.ttl, 3600);
  });

  it('wraps arbitrary data with sys/wrapping/wrap, which insists on a wrap TTL', async () => {
    const caller = await defaultToken();
    const refused = await call(server, 'POST', '/v1/sys/wrapping/wrap', { token: caller, body: { a: 1 } });
    assert.deepEqual([refused.status, refused.body], [400, { errors: ['endpoint requires response wrapping to be used'] }]);
    const answer = await wrapped(server, 'POST', '/v1/sys/wrapping/wrap', '30s', { token: caller, body: { a: 1, b: 'two' } });
    assert.equal(answer.body.wrap_info.creation_path, 'sys/wrapping/wrap');
    const unwrapped = await call(server, 'POST', '/v1/sys/wrapping/unwrap', { token: answer.body.wrap_info.token });
    assert.deepEqual(unwrapped.body.data, { a: 1, b: 'two' });
  });

  it('rewraps: a new token for the same answer, path and TTL, the old one used up', async () => {
    const info = (await wrapped(server, 'GET', '/v1/secret/data/app', '60', { token: 'root' })).body.wrap_info;
    const rewrapped = await call(server, 'POST', '/v1/sys/wrapping/rewrap', { token: info.token });
    assert.equal(rewrapped.status, 200);
    const fresh = rewrapped.body.wrap_info;
    assert.notEqual(fresh.token, info.token);
    assert.deepEqual([fresh.ttl, fresh.creation_path], [60, 'secret/data/app']);
    assert.deepEqual((await call(server, 'POST', '/v1/sys/wrapping/unwrap', { token: info.token })).body, INVALID);
    const unwrapped = await call(server, 'POST', '/v1/sys/wrapping/unwrap', { token: fresh.token });
    assert.deepEqual(unwrapped.body.data.data, { password: 's3cret' });
  });

  it('never wraps errors, refuses a bad wrap TTL, and treats 0 as no wrapping', async () => {
    const missing = await wrapped(server, 'GET', '/v1/secret/data/nothing', '60', { token: 'root' });
    assert.deepEqual([missing.status, missing.body], [404, { errors: [] }]);
    const denied = await wrapped(server, 'GET', '/v1/secret/data/app', '60', { token: 'nope' });
    assert.deepEqual([denied.status, denied.body], [403, { errors: ['permission denied'] }]);
    const bad = await wrapped(server, 'GET', '/v1/secret/data/app', 'soon', { token: 'root' });
    assert.deepEqual([bad.status, bad.body], [400, { errors: ['error parsing X-Vault-Wrap-TTL header: time: invalid duration "soon"'] }]);
    const negative = await wrapped(server, 'GET', '/v1/secret/data/app', '-5', { token: 'root' });
    assert.equal(negative.body.errors[0], 'error parsing X-Vault-Wrap-TTL header: requested wrap ttl cannot be negative');
    const plain = await wrapped(server, 'GET', '/v1/secret/data/app', '0', { token: 'root' });
    assert.deepEqual(plain.body.data.data, { password: 's3cret' });
    assert.equal(plain.body.wrap_info, null);
    const noToken = await call(server, 'POST', '/v1/sys/wrapping/unwrap', {});
    assert.deepEqual([noToken.status, noToken.body], [403, { errors: ['error validating wrapping token: token is empty'] }]);
  });
});
