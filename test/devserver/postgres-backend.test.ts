import assert from 'node:assert/strict';
import type pg from 'pg';
import { startDevServer, type DevServer } from '../../src/devserver/index.js';
import { formatExpiration, renderStatements } from '../../src/devserver/postgres-statements.js';
import { startTestPostgres, superuserPool, tryLogin, vaultConnectionConfig, vaultRoles, type PostgresCluster } from '../support/postgres.js';
import { client, fakeClock, vaultError } from './helpers.js';

const CREATE_WITH_GRANT = [
  `CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}';
   GRANT SELECT ON ALL TABLES IN SCHEMA public TO "{{name}}";`,
];
const READ_ITEMS = 'SELECT count(*) FROM items';

describe('devserver database engine on a real PostgreSQL', function () {
  this.timeout(30_000);
  let cluster: PostgresCluster;
  let admin: pg.Pool;
  let server: DevServer;
  const clock = fakeClock(Date.now());

  before(async () => {
    cluster = await startTestPostgres();
    admin = superuserPool(cluster);
    await admin.query('CREATE TABLE items (id int); INSERT INTO items VALUES (1), (2)');
  });
  after(async () => {
    await admin?.end();
    await cluster?.close();
  });
  beforeEach(async () => {
    server = await startDevServer({ port: 0, now: clock.now });
    await client(server).write('database/config/pg', vaultConnectionConfig(cluster, 'app,reader-*'));
    await client(server).write('database/roles/app', { db_name: 'pg', creation_statements: CREATE_WITH_GRANT, default_ttl: '1h', max_ttl: '2h' });
  });
  afterEach(() => server.close());

  const validUntil = async (user: string): Promise<number> =>
    ((await admin.query<{ until: Date }>('SELECT rolvaliduntil AS until FROM pg_roles WHERE rolname = $1', [user])).rows[0]!.until).getTime();

  async function eventually(what: string, check: () => Promise<boolean>): Promise<void> {
    const deadline = Date.now() + 5000;
    while (!(await check())) {
      if (Date.now() > deadline) assert.fail(`timed out waiting until ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  it('verifies the connection on config write and never shows the password', async () => {
    const refused = await vaultError(client(server).write('database/config/bad', { ...vaultConnectionConfig(cluster, '*'), password: 'wrong-password' }));
    assert.equal(refused.status, 400);
    assert.match(refused.body.errors[0], /^error creating database object: .*password authentication failed/);
    assert.ok(!JSON.stringify(refused.body).includes('wrong-password'));
    const shown = (await client(server).read('database/config/pg')).data;
    assert.equal(shown.plugin_name, 'postgresql-database-plugin');
    assert.deepEqual(shown.allowed_roles, ['app', 'reader-*']);
    assert.equal(shown.connection_details.username, 'postgres');
    assert.ok(!JSON.stringify(shown).includes(cluster.superuserPassword));
  });

  it('issues credentials that really log in, valid until the lease ends (plus Vault\'s 5 s)', async () => {
    const creds = await client(server).read('database/creds/app');
    assert.match(creds.data.username, /^v-root-app-\w{20}-\d+$/);
    assert.equal(await tryLogin(cluster, creds.data.username, creds.data.password, READ_ITEMS), 'ok');
    assert.equal(await tryLogin(cluster, creds.data.username, 'not-the-password'), '28P01');
    const expected = clock.now() + 3600_000 + 5000;
    assert.ok(Math.abs((await validUntil(creds.data.username)) - expected) < 2000);
  });

  it('moves VALID UNTIL when the lease is renewed', async () => {
    const creds = await client(server).read('database/creds/app');
    clock.advanceSeconds(600);
    const renewed = await client(server).write('sys/leases/renew', { lease_id: creds.lease_id, increment: 1800 });
    assert.equal(renewed.lease_duration, 1800);
    const expected = clock.now() + 1800_000;
    await eventually('VALID UNTIL follows the renewal', async () => Math.abs((await validUntil(creds.data.username)) - expected) < 2000);
  });

  it('drops the user on revocation and on expiry, revoking its grants first', async () => {
    const revoked = await client(server).read('database/creds/app');
    const expiring = await client(server).read('database/creds/app');
    await client(server).write('sys/leases/revoke', { lease_id: revoked.lease_id });
    await eventually('the revoked user is gone', async () => !(await vaultRoles(admin)).includes(revoked.data.username));
    assert.equal(await tryLogin(cluster, revoked.data.username, revoked.data.password), '28P01');
    assert.equal(await tryLogin(cluster, expiring.data.username, expiring.data.password, READ_ITEMS), 'ok');
    clock.advanceSeconds(3601);
    assert.equal(server.leaseCount(), 0);
    await eventually('the expired user is gone', async () => !(await vaultRoles(admin)).includes(expiring.data.username));
    assert.equal(await tryLogin(cluster, expiring.data.username, expiring.data.password), '28P01');
  });

  it('runs the role\'s own revocation statements when it has some', async () => {
    await client(server).write('database/roles/reader-1', {
      db_name: 'pg', default_ttl: '1h',
      creation_statements: `CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}';`,
      revocation_statements: `ALTER ROLE "{{name}}" NOLOGIN;`,
    });
    const creds = await client(server).read('database/creds/reader-1');
    await client(server).write('sys/leases/revoke', { lease_id: creds.lease_id });
    const canLogin = async () => (await admin.query('SELECT rolcanlogin FROM pg_roles WHERE rolname = $1', [creds.data.username])).rows[0]?.rolcanlogin;
    await eventually('the user may no longer log in', async () => (await canLogin()) === false);
    await admin.query(`DROP ROLE "${creds.data.username}"`);
  });

  it('refuses as Vault does: roles not allowed, unknown connections, failing statements', async () => {
    await client(server).write('database/roles/other', { db_name: 'pg', creation_statements: CREATE_WITH_GRANT });
    const notAllowed = await vaultError(client(server).read('database/creds/other'));
    assert.equal(notAllowed.status, 500);
    assert.deepEqual(notAllowed.body.errors, ['"other" is not an allowed role']);
    await client(server).write('database/roles/app', { db_name: 'missing' });
    const missing = await vaultError(client(server).read('database/creds/app'));
    assert.deepEqual(missing.body.errors, ['failed to find entry for connection with name: "missing"']);
    await client(server).write('database/roles/app', { db_name: 'pg', creation_statements: `SELECT '{{password}}'::int` });
    const failed = await vaultError(client(server).read('database/creds/app'));
    assert.equal(failed.status, 500);
    assert.match(failed.body.errors[0], /invalid input syntax for type integer: "\[password\]"/);
    assert.equal(server.leaseCount(), 0, 'a user that could not be created has no lease');
  });
});

describe('PostgreSQL statement templates', () => {
  it('fills placeholders verbatim and splits on ";" except inside dollar-quoted bodies', () => {
    const values = { name: 'v-a', password: 'p-1', expiration: '2030-01-01 00:00:00+0000' };
    assert.deepEqual(renderStatements([`CREATE ROLE "{{name}}" PASSWORD '{{password}}'; GRANT x TO "{{name}}";`], values), [
      `CREATE ROLE "v-a" PASSWORD 'p-1'`, 'GRANT x TO "v-a"',
    ]);
    const body = `DO $$ BEGIN CREATE ROLE "{{name}}"; END $$;`;
    assert.deepEqual(renderStatements([body], values), [`DO $$ BEGIN CREATE ROLE "v-a"; END $$;`]);
  });

  it('formats {{expiration}} in Go\'s "2006-01-02 15:04:05-0700" layout', () => {
    assert.equal(formatExpiration(new Date('2030-05-06T07:08:09.123Z')), '2030-05-06 07:08:09+0000');
  });
});
