import assert from 'node:assert/strict';
import type pg from 'pg';
import { InMemoryDatabaseBackend, startDevServer, type DevServer } from '../../src/devserver/index.js';
import { startTestPostgres, superuserPool, tryLogin, vaultConnectionConfig, type PostgresCluster } from '../support/postgres.js';
import { call, client, fakeClock } from './helpers.js';

const HOUR = 3600;

describe('devserver database static roles', () => {
  let server: DevServer;
  let backend: InMemoryDatabaseBackend;
  const clock = fakeClock();

  beforeEach(async () => {
    backend = new InMemoryDatabaseBackend();
    server = await startDevServer({ port: 0, now: clock.now, databaseBackend: backend });
    await root('POST', 'database/config/pg', { plugin_name: 'postgresql-database-plugin', allowed_roles: 'app,dyn,other', connection_url: 'postgresql://x' });
    const created = await root('POST', 'database/static-roles/app', { db_name: 'pg', username: 'app-user', rotation_period: '1h' });
    assert.equal(created.status, 204);
  });
  afterEach(() => server.close());

  const root = (method: string, path: string, body?: unknown) => call(server, method, `/v1/${path}`, { token: 'root', body });
  const creds = async () => {
    const answer = await root('GET', 'database/static-creds/app');
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    return answer.body;
  };
  const iso = (ms: number) => new Date(ms).toISOString();

  it('answers the current password without a lease, with ttl counting down to the next rotation', async () => {
    const createdAt = clock.now();
    const first = await creds();
    assert.equal(first.lease_id, '');
    assert.equal(first.lease_duration, 0);
    assert.equal(first.renewable, false);
    assert.equal(first.data.username, 'app-user');
    assert.equal(first.data.password.length, 20);
    assert.equal(first.data.ttl, HOUR);
    assert.equal(first.data.rotation_period, HOUR);
    assert.equal(first.data.last_vault_rotation, iso(createdAt));
    assert.equal(backend.users.get('app-user')?.password, first.data.password, 'the database got the password at creation');
    clock.advanceSeconds(1800);
    const later = await creds();
    assert.equal(later.data.password, first.data.password);
    assert.equal(later.data.ttl, 1800);
    clock.advanceSeconds(1799);
    assert.equal((await creds()).data.ttl, 1);
  });

  it('rotates every rotation_period on its own schedule, whether or not anyone reads', async () => {
    const createdAt = clock.now();
    const first = await creds();
    clock.advanceSeconds(HOUR);
    const rotated = await creds();
    assert.notEqual(rotated.data.password, first.data.password);
    assert.equal(rotated.data.last_vault_rotation, iso(createdAt + HOUR * 1000));
    assert.equal(rotated.data.ttl, HOUR);
    assert.equal(backend.users.get('app-user')?.password, rotated.data.password);
    // Nobody reads for three periods and ten minutes: the schedule still counts from creation.
    clock.advanceSeconds(3 * HOUR + 600);
    const unread = await creds();
    assert.notEqual(unread.data.password, rotated.data.password);
    assert.equal(unread.data.last_vault_rotation, iso(createdAt + 4 * HOUR * 1000));
    assert.equal(unread.data.ttl, HOUR - 600);
    assert.equal(backend.users.get('app-user')?.password, unread.data.password);
  });

  it('rotate-role sets a new password now and restarts the period', async () => {
    const before = await creds();
    clock.advanceSeconds(1000);
    const rotatedAt = clock.now();
    const rotation = await root('POST', 'database/rotate-role/app');
    assert.equal(rotation.status, 204);
    const after = await creds();
    assert.notEqual(after.data.password, before.data.password);
    assert.equal(after.data.ttl, HOUR);
    assert.equal(after.data.last_vault_rotation, iso(rotatedAt));
    assert.equal(backend.users.get('app-user')?.password, after.data.password);
    clock.advanceSeconds(HOUR - 1);
    assert.equal((await creds()).data.password, after.data.password, 'the next rotation counts from rotate-role');
  });

  it('reads, lists, updates and deletes static roles', async () => {
    const role = await root('GET', 'database/static-roles/app');
    assert.deepEqual(role.body.data, {
      db_name: 'pg', username: 'app-user', rotation_period: HOUR, rotation_statements: [], credential_type: 'password',
      last_vault_rotation: iso(clock.now()),
    });
    await root('POST', 'database/static-roles/other', { db_name: 'pg', username: 'other-user', rotation_period: 60 });
    assert.deepEqual((await client(server).list('database/static-roles')).data.keys, ['app', 'other']);
    const createdAt = clock.now();
    const password = (await creds()).data.password;
    const update = await root('POST', 'database/static-roles/app', { username: 'app-user', rotation_period: '2h' });
    assert.equal(update.status, 204);
    clock.advanceSeconds(HOUR + 10);
    const kept = await creds();
    assert.equal(kept.data.password, password, 'a longer period postpones the next rotation');
    assert.equal(kept.data.ttl, 2 * HOUR - HOUR - 10);
    assert.equal(kept.data.last_vault_rotation, iso(createdAt));
    assert.equal((await root('DELETE', 'database/static-roles/other')).status, 204);
    assert.equal((await root('GET', 'database/static-roles/other')).status, 404);
    await root('DELETE', 'database/static-roles/app');
    assert.equal((await root('LIST', 'database/static-roles')).status, 404);
  });

  it("refuses what Vault refuses, with Vault's messages", async () => {
    const refusal = async (method: string, path: string, body?: unknown) => {
      const answer = await root(method, path, body);
      return [answer.status, answer.body.errors[0]];
    };
    const write = (name: string, body: Record<string, unknown>) => refusal('POST', `database/static-roles/${name}`, body);
    assert.deepEqual(await write('x', { db_name: 'pg', username: 'u', rotation_period: '4s' }), [400, 'rotation_period must be 5 seconds or more']);
    assert.deepEqual(await write('x', { db_name: 'pg', rotation_period: '1h' }), [400, 'username is a required field to create a static account']);
    assert.deepEqual(await write('x', { db_name: 'pg', username: 'u' }), [400, 'one of rotation_schedule or rotation_period must be provided to create a static account']);
    assert.deepEqual(await write('x', { username: 'u', rotation_period: '1h' }), [400, 'database name is a required field']);
    assert.deepEqual(await write('app', { db_name: 'pg', username: 'someone-else' }), [400, 'cannot update static account username']);
    assert.deepEqual(await write('x', { db_name: 'pg', username: 'u', rotation_period: '1h' }), [500, '"x" is not an allowed role']);
    assert.equal((await root('GET', 'database/static-roles/x')).status, 404, 'a role whose first rotation failed is not stored');
    await root('POST', 'database/roles/dyn', { db_name: 'pg', creation_statements: 'CREATE ROLE "{{name}}";' });
    assert.deepEqual(await write('dyn', { db_name: 'pg', username: 'u', rotation_period: '1h' }), [400, 'Role and Static Role names must be unique']);
    assert.deepEqual(await refusal('POST', 'database/roles/app', { db_name: 'pg', creation_statements: 'CREATE ROLE "{{name}}";' }), [400, 'Role and Static Role names must be unique']);
    assert.deepEqual(await refusal('GET', 'database/static-creds/nope'), [400, 'unknown role: nope']);
    assert.deepEqual(await refusal('POST', 'database/rotate-role/nope'), [400, 'no static role found for role name']);
  });

  it('checks policies: a reader of static-creds cannot rotate or read the role', async () => {
    await client(server).addPolicy({ name: 'reader', rules: 'path "database/static-creds/app" { capabilities = ["read"] }' });
    const token = (await root('POST', 'auth/token/create', { policies: ['reader'] })).body.auth.client_token as string;
    const as = (method: string, path: string) => call(server, method, `/v1/${path}`, { token });
    assert.equal((await as('GET', 'database/static-creds/app')).status, 200);
    const denied = await as('POST', 'database/rotate-role/app');
    // A token the policy does not cover: Vault's multi-error wording (a bad token gets the plain one).
    assert.deepEqual([denied.status, denied.body], [403, { errors: ['1 error occurred:\n\t* permission denied\n\n'] }]);
    assert.equal((await as('GET', 'database/static-roles/app')).status, 403);
    assert.equal((await as('GET', 'database/static-creds/other')).status, 403);
  });
});

describe('devserver database static roles on a real PostgreSQL', function () {
  this.timeout(30_000);
  let cluster: PostgresCluster;
  let admin: pg.Pool;
  let server: DevServer;
  const clock = fakeClock(Date.now());
  const ORIGINAL = 'original-password';

  before(async () => {
    cluster = await startTestPostgres();
    admin = superuserPool(cluster);
    await admin.query(`CREATE ROLE static_app WITH LOGIN PASSWORD '${ORIGINAL}'`);
    server = await startDevServer({ port: 0, now: clock.now });
    await client(server).write('database/config/pg', vaultConnectionConfig(cluster, 'static-app'));
  });
  after(async () => {
    await server?.close();
    await admin?.end();
    await cluster?.close();
  });

  const creds = async () => (await client(server).read('database/static-creds/static-app')).data;

  it('changes the real password on creation, on schedule and on rotate-role; the old one stops working', async () => {
    await client(server).write('database/static-roles/static-app', { db_name: 'pg', username: 'static_app', rotation_period: '1m' });
    const first = await creds();
    assert.equal(await tryLogin(cluster, 'static_app', first.password), 'ok');
    assert.equal(await tryLogin(cluster, 'static_app', ORIGINAL), '28P01', 'Vault took the account over');

    clock.advanceSeconds(60);
    const scheduled = await creds();
    assert.notEqual(scheduled.password, first.password);
    assert.equal(await tryLogin(cluster, 'static_app', scheduled.password), 'ok');
    assert.equal(await tryLogin(cluster, 'static_app', first.password), '28P01');

    await client(server).write('database/rotate-role/static-app', {});
    const manual = await creds();
    assert.equal(await tryLogin(cluster, 'static_app', manual.password), 'ok');
    assert.equal(await tryLogin(cluster, 'static_app', scheduled.password), '28P01');
  });

  it('runs custom rotation_statements and reports a database failure without the password', async () => {
    const custom = `ALTER USER "{{name}}" WITH PASSWORD '{{password}}'; COMMENT ON ROLE "{{name}}" IS 'rotated by vault';`;
    await client(server).write('database/static-roles/static-app', { db_name: 'pg', username: 'static_app', rotation_period: '1m', rotation_statements: [custom] });
    await client(server).write('database/rotate-role/static-app', {});
    const comment = await admin.query<{ c: string }>("SELECT shobj_description(oid, 'pg_authid') AS c FROM pg_roles WHERE rolname = 'static_app'");
    assert.equal(comment.rows[0]!.c, 'rotated by vault');
    assert.equal(await tryLogin(cluster, 'static_app', (await creds()).password), 'ok');

    await admin.query('DROP ROLE static_app');
    const failed = await call(server, 'POST', '/v1/database/rotate-role/static-app', { token: 'root' });
    assert.equal(failed.status, 500);
    assert.match(failed.body.errors[0], /^unable to finish rotating credentials; .*: error setting credentials: .*does not exist/);
  });
});
