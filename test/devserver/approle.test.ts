import assert from 'node:assert/strict';
import { startDevServer, type DevServer } from '../../src/devserver/index.js';
import { call, fakeClock } from './helpers.js';

const INVALID = { errors: ['invalid role or secret ID'] };

describe('devserver approle auth', () => {
  let server: DevServer;
  const clock = fakeClock();
  beforeEach(async () => {
    server = await startDevServer({ port: 0, now: clock.now });
  });
  afterEach(() => server.close());

  const root = (method: string, path: string, body?: unknown) => call(server, method, `/v1/auth/approle/${path}`, { token: 'root', body });
  const login = (body: Record<string, unknown>) => call(server, 'POST', '/v1/auth/approle/login', { body });

  async function role(name: string, body: Record<string, unknown>): Promise<string> {
    const written = await root('POST', `role/${name}`, body);
    assert.equal(written.status, 204, JSON.stringify(written.body));
    return (await root('GET', `role/${name}/role-id`)).body.data.role_id;
  }
  async function secretId(name: string, body: Record<string, unknown> = {}): Promise<any> {
    const issued = await root('POST', `role/${name}/secret-id`, body);
    assert.equal(issued.status, 200, JSON.stringify(issued.body));
    return issued.body.data;
  }

  it('creates, reads, lists and deletes roles with Vault’s fields', async () => {
    await role('Web', { token_policies: 'app,audit', token_ttl: '20m', token_max_ttl: '1h', secret_id_num_uses: 3, secret_id_ttl: 600, token_num_uses: 0 });
    await role('batch', { token_policies: ['app'], token_period: '1h' });
    const read = await root('GET', 'role/web');
    assert.equal(read.status, 200);
    assert.equal(read.body.mount_type, 'approle');
    assert.deepEqual(read.body.data, {
      bind_secret_id: true, secret_id_bound_cidrs: null, secret_id_num_uses: 3, secret_id_ttl: 600, local_secret_ids: false,
      token_bound_cidrs: [], token_explicit_max_ttl: 0, token_max_ttl: 3600, token_no_default_policy: false, token_period: 0,
      token_policies: ['app', 'audit'], token_type: 'default', token_ttl: 1200, token_num_uses: 0,
    });
    const updated = await root('POST', 'role/web', { token_ttl: '30m' });
    assert.equal(updated.status, 204);
    const after = (await root('GET', 'role/web')).body.data;
    assert.deepEqual([after.token_ttl, after.token_max_ttl, after.secret_id_num_uses], [1800, 3600, 3]);
    const listed = await root('LIST', 'role');
    assert.deepEqual(listed.body.data.keys, ['batch', 'web']);
    assert.equal((await root('DELETE', 'role/web')).status, 204);
    assert.equal((await root('GET', 'role/web')).status, 404);
    await root('DELETE', 'role/batch');
    assert.equal((await root('LIST', 'role')).status, 404);
  });

  it('refuses role settings Vault refuses, with Vault’s messages', async () => {
    const ttl = await root('POST', 'role/x', { token_ttl: '2h', token_max_ttl: '1h' });
    assert.deepEqual([ttl.status, ttl.body], [400, { errors: ["'token_ttl' cannot be greater than 'token_max_ttl'"] }]);
    const uses = await root('POST', 'role/x', { secret_id_num_uses: -1 });
    assert.deepEqual(uses.body, { errors: ['secret_id_num_uses cannot be negative'] });
    const unbound = await root('POST', 'role/x', { bind_secret_id: false });
    assert.equal(unbound.status, 500);
    assert.match(unbound.body.errors[0], /at least one constraint should be enabled on the role/);
    const legacy = await root('POST', 'role/old', { policies: 'App,ops', token_type: 'default-service' });
    assert.deepEqual(legacy.body.warnings, ['default-service has no useful meaning; adjusting to service']);
    const read = (await root('GET', 'role/old')).body.data;
    assert.deepEqual([read.policies, read.token_policies, read.token_type], [['app', 'ops'], ['app', 'ops'], 'service']);
  });

  it('logs in with role_id and secret_id: a token with the role’s policies, TTL and role_name', async () => {
    const roleId = await role('web', { token_policies: 'app', token_ttl: '20m', token_max_ttl: '1h' });
    const issued = await secretId('web', { metadata: '{"team":"payments"}' });
    assert.match(issued.secret_id, /^[0-9a-f-]{36}$/);
    assert.deepEqual([issued.secret_id_ttl, issued.secret_id_num_uses], [0, 0]);
    const answer = await login({ role_id: roleId, secret_id: issued.secret_id });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    const auth = answer.body.auth;
    assert.deepEqual(auth.policies, ['app', 'default']);
    assert.equal(auth.lease_duration, 1200);
    assert.equal(auth.renewable, true);
    assert.deepEqual(auth.metadata, { team: 'payments', role_name: 'web' });
    const self = await call(server, 'GET', '/v1/auth/token/lookup-self', { token: auth.client_token });
    assert.deepEqual([self.body.data.path, self.body.data.display_name], ['auth/approle/login', 'approle']);
    const again = await login({ role_id: roleId, secret_id: issued.secret_id });
    assert.equal(again.body.auth.entity_id, auth.entity_id);
  });

  it('refuses missing, unknown and mismatched credentials', async () => {
    const roleId = await role('web', { token_policies: 'app' });
    const otherRoleId = await role('other', { token_policies: 'app' });
    const issued = await secretId('web');
    assert.deepEqual((await login({})).body, { errors: ['missing role_id'] });
    assert.deepEqual((await login({ role_id: roleId })).body, { errors: ['missing secret_id'] });
    const unknown = await login({ role_id: 'nope', secret_id: issued.secret_id });
    assert.deepEqual([unknown.status, unknown.body], [400, INVALID]);
    assert.deepEqual((await login({ role_id: otherRoleId, secret_id: issued.secret_id })).body, INVALID);
  });

  it('counts secret_id_num_uses down and refuses the used-up secret ID', async () => {
    const roleId = await role('web', { token_policies: 'app', secret_id_num_uses: 2 });
    const issued = await secretId('web');
    assert.equal(issued.secret_id_num_uses, 2);
    assert.equal((await login({ role_id: roleId, secret_id: issued.secret_id })).status, 200);
    const looked = await root('POST', 'role/web/secret-id/lookup', { secret_id: issued.secret_id });
    assert.equal(looked.body.data.secret_id_num_uses, 1);
    assert.equal(looked.body.data.secret_id_accessor, issued.secret_id_accessor);
    assert.equal((await login({ role_id: roleId, secret_id: issued.secret_id })).status, 200);
    const used = await login({ role_id: roleId, secret_id: issued.secret_id });
    assert.deepEqual([used.status, used.body], [400, INVALID]);
    assert.equal((await root('POST', 'role/web/secret-id/lookup', { secret_id: issued.secret_id })).status, 204);
    const fewer = await root('POST', 'role/web/secret-id', { num_uses: 5 });
    assert.deepEqual(fewer.body, { errors: ["num_uses cannot be higher than the role's secret_id_num_uses"] });
  });

  it('lets a secret ID expire after secret_id_ttl', async () => {
    const roleId = await role('web', { token_policies: 'app', secret_id_ttl: '10m' });
    const issued = await secretId('web');
    assert.equal(issued.secret_id_ttl, 600);
    const shorter = await secretId('web', { ttl: '1m' });
    assert.equal(shorter.secret_id_ttl, 60);
    clock.advanceSeconds(61);
    assert.deepEqual((await login({ role_id: roleId, secret_id: shorter.secret_id })).body, INVALID);
    assert.equal((await login({ role_id: roleId, secret_id: issued.secret_id })).status, 200);
    clock.advanceSeconds(540);
    assert.deepEqual((await login({ role_id: roleId, secret_id: issued.secret_id })).body, INVALID);
  });

  it('sets a custom role_id and secret_id, lists and destroys secret IDs', async () => {
    await role('web', { token_policies: 'app' });
    assert.equal((await root('POST', 'role/web/role-id', { role_id: 'web-role-id' })).status, 204);
    await role('other', { token_policies: 'app' });
    const taken = await root('POST', 'role/other/role-id', { role_id: 'web-role-id' });
    assert.equal(taken.status, 500);
    assert.match(taken.body.errors[0], /role_id already in use/);
    const custom = await root('POST', 'role/web/custom-secret-id', { secret_id: 'my-secret-id' });
    assert.equal(custom.body.data.secret_id, 'my-secret-id');
    assert.equal((await login({ role_id: 'web-role-id', secret_id: 'my-secret-id' })).status, 200);
    const listed = await root('LIST', 'role/web/secret-id');
    assert.deepEqual(listed.body.data.keys, [custom.body.data.secret_id_accessor]);
    assert.equal((await root('POST', 'role/web/secret-id/destroy', { secret_id: 'my-secret-id' })).status, 204);
    assert.deepEqual((await login({ role_id: 'web-role-id', secret_id: 'my-secret-id' })).body, INVALID);
    assert.equal((await root('LIST', 'role/web/secret-id')).status, 404);
    const noRole = await root('POST', 'role/ghost/secret-id');
    assert.deepEqual([noRole.status, noRole.body], [404, { errors: ['role "ghost" does not exist'] }]);
  });

  it('logs in with role_id alone when the role binds no secret ID but a CIDR', async () => {
    const roleId = await role('ci', { bind_secret_id: false, token_bound_cidrs: '127.0.0.1/32', token_policies: 'ci' });
    const answer = await login({ role_id: roleId });
    assert.deepEqual(answer.body.auth.policies, ['ci', 'default']);
    const noSecretIds = await root('POST', 'role/ci/secret-id');
    assert.deepEqual(noSecretIds.body, { errors: ['bind_secret_id is not set on the role'] });
  });

  it('hands out a response-wrapped secret ID whose creation path names the role', async () => {
    const roleId = await role('web', { token_policies: 'app' });
    const response = await fetch(`${server.url}/v1/auth/approle/role/web/secret-id`, {
      method: 'POST', headers: { 'X-Vault-Token': 'root', 'X-Vault-Wrap-TTL': '120' },
    });
    const body: any = await response.json();
    assert.equal(body.data, null);
    assert.equal(body.wrap_info.creation_path, 'auth/approle/role/web/secret-id');
    const looked = await call(server, 'POST', '/v1/sys/wrapping/lookup', { body: { token: body.wrap_info.token } });
    assert.equal(looked.body.data.creation_path, 'auth/approle/role/web/secret-id');
    const unwrapped = await call(server, 'POST', '/v1/sys/wrapping/unwrap', { token: body.wrap_info.token });
    assert.equal((await login({ role_id: roleId, secret_id: unwrapped.body.data.secret_id })).status, 200);
  });
});
