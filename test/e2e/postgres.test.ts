import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { AgentProcess } from '../support/agent-process.js';
import { superuserPool, tryLogin, vaultRoles, type PostgresCluster } from '../support/postgres.js';
import { until } from '../support/until.js';
import { forEachBackend } from '../support/vault-backend.js';
import { startVaultFixture, type VaultFixture } from '../support/vault-fixture.js';

const APP = fileURLToPath(new URL('../../../examples/pg-app/app.js', import.meta.url));
const QUERY = 'SELECT count(*) FROM items';
const ROTATIONS = 3;

interface AppEvent {
  event: string;
  username?: string;
  ok?: number;
  failed?: number;
  error?: string;
}

/** The example app in a child process, its JSON lines collected. */
function startApp(env: NodeJS.ProcessEnv): { child: ChildProcessWithoutNullStreams; events: AppEvent[]; output: () => string } {
  const child = spawn(process.execPath, [APP], { env: { PATH: process.env.PATH, ...env }, stdio: 'pipe' });
  const events: AppEvent[] = [];
  let raw = '';
  let buffered = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    raw += chunk;
    buffered += chunk;
    const lines = buffered.split('\n');
    buffered = lines.pop()!;
    for (const line of lines) events.push(JSON.parse(line) as AppEvent);
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => void (raw += chunk));
  return { child, events, output: () => raw.slice(-4000) };
}

forEachBackend('dynamic PostgreSQL credentials end to end (PostgreSQL + vaultlet + example app)', function (backend) {
  this.timeout(120_000);
  let cluster: PostgresCluster;
  let admin: pg.Pool;
  let vault: VaultFixture | undefined;
  let agent: AgentProcess | undefined;
  let app: ReturnType<typeof startApp> | undefined;

  afterEach(async function () {
    if (this.currentTest?.state === 'failed') console.log(`${agent?.describe()}\n--- app\n${app?.output()}`);
    app?.child.kill('SIGKILL');
    await agent?.stop('SIGKILL');
    await admin?.end();
    await vault?.close();
  });

  it('keeps the app querying through rotations; old users stop working; nothing is left behind', async () => {
    vault = await startVaultFixture({ backend, dbDefaultTtl: '4s', dbMaxTtl: '10s' });
    cluster = vault.postgres!;
    admin = superuserPool(cluster);
    await admin.query('CREATE TABLE IF NOT EXISTS items (id int); TRUNCATE items; INSERT INTO items SELECT generate_series(1, 100)');
    const file = join(vault.secretsDir, 'db.json');
    const config = await vault.writeConfig(vault.config([{ name: 'db', kind: 'leased', path: 'database/creds/demo', file: 'db.json' }], { log: { level: 'info' } }));
    agent = AgentProcess.start(['run', '--config', config]);
    await agent.waitReady();

    // Every credential the agent writes must log in and read the table while it is current.
    const passwords = new Map<string, string>();
    const recorder = setInterval(async () => {
      const creds = JSON.parse(await readFile(file, 'utf8').catch(() => '{}')) as { username?: string; password?: string };
      if (creds.username && creds.password && !passwords.has(creds.username)) passwords.set(creds.username, creds.password);
    }, 100);
    try {
      app = startApp({ CREDENTIALS_FILE: file, PGHOST: cluster.host, PGPORT: String(cluster.port), PGDATABASE: 'postgres', QUERY, CONCURRENCY: '4' });
      const events = app.events;
      await until('the app to connect', () => events.some((e) => e.event === 'ready'), 10_000);
      await until(`${ROTATIONS} rotations seen by the app`, () => events.filter((e) => e.event === 'rotated').length >= ROTATIONS, 60_000);
      // A last full second of queries on the newest credentials.
      const seen = events.length;
      await until('one more stats line', () => events.slice(seen).some((e) => e.event === 'stats'), 3000);
    } finally {
      clearInterval(recorder);
    }

    const appUsers = app.events.filter((e) => e.event === 'ready' || e.event === 'rotated').map((e) => e.username!);
    assert.ok(appUsers.length >= ROTATIONS + 1);
    assert.deepEqual(app.events.filter((e) => e.event === 'query_failed'), [], 'no query may fail');
    const current = appUsers.at(-1)!;
    assert.equal(await tryLogin(cluster, current, passwords.get(current)!, QUERY), 'ok');

    // Each rotated-out user is dropped when its lease ends (max TTL); its password then fails.
    for (const old of appUsers.slice(0, -1)) {
      assert.ok(passwords.has(old), `the test saw the credential file for ${old}`);
      await until(`${old} to be dropped`, async () => !(await vaultRoles(admin)).includes(old), 12_000);
      assert.equal(await tryLogin(cluster, old, passwords.get(old)!), '28P01', `${old} must no longer log in`);
    }

    app.child.kill('SIGTERM');
    const stopped = await until('the app to stop', () => app!.events.find((e) => e.event === 'stopped'), 10_000);
    assert.equal(stopped.failed, 0);
    assert.ok(stopped.ok! > 100, `the app ran ${stopped.ok} queries`);

    assert.equal(await agent.stop('SIGTERM'), 0);
    await until('every dynamic user to be dropped after the agent revoked its leases', async () => (await vaultRoles(admin)).length === 0, 5000)
      .catch(async () => assert.deepEqual(await vaultRoles(admin), [], 'roles left behind'));
    assert.equal(await tryLogin(cluster, current, passwords.get(current)!), '28P01');
  });
});
