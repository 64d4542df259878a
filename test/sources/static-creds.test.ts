import assert from 'node:assert/strict';
import { InMemoryDatabaseBackend, startDevServer, type DevServer } from '../../src/devserver/index.js';
import { SecretDataError, VaultRequestRejectedError } from '../../src/errors.js';
import { leaseExpiresAt } from '../../src/lease/lease.js';
import { DEFAULT_REFRESH_MS } from '../../src/sources/source.js';
import { staticCredsSource } from '../../src/sources/static-creds.js';
import type { VaultClient } from '../../src/vault/client.js';
import { call, fakeClock } from '../devserver/helpers.js';
import { startFakeVault, type FakeVault } from '../support/fake-vault.js';
import { testClient } from '../vault/helpers.js';

const signal = new AbortController().signal;

describe('staticCredsSource against the dev server', () => {
  let server: DevServer;
  let vault: VaultClient;
  const clock = fakeClock();

  beforeEach(async () => {
    server = await startDevServer({ port: 0, now: clock.now, databaseBackend: new InMemoryDatabaseBackend() });
    vault = testClient(server.url, { maxRetries: 0 });
    const root = (path: string, body: unknown) => call(server, 'POST', `/v1/${path}`, { token: 'root', body });
    await root('database/config/pg', { plugin_name: 'postgresql-database-plugin', allowed_roles: '*', connection_url: 'postgresql://x' });
    await root('database/static-roles/app', { db_name: 'pg', username: 'app-user', rotation_period: '1h' });
  });
  afterEach(async () => {
    vault.close();
    await server.close();
  });

  const source = () => staticCredsSource({ name: 'db', mount: 'database', role: 'app' }, clock.now);

  it('reads <mount>/static-creds/<role>: valid from the read until Vault rotates, re-read after', async () => {
    const lease = await source().read(vault, 'root', signal);
    const obtainedAt = clock.now();
    assert.equal(lease.id, '');
    assert.equal(lease.ttlMs, 0);
    assert.equal(lease.renewable, false);
    assert.equal(lease.obtainedAt, obtainedAt);
    assert.deepEqual(lease.validity, { from: obtainedAt, until: obtainedAt + 3_600_000, rotate: 'after' });
    assert.equal(leaseExpiresAt(lease), obtainedAt + 3_600_000);
    assert.equal(lease.data['username'], 'app-user');
    assert.equal(typeof lease.data['password'], 'string');
    assert.equal(source().engine, 'static');
    assert.equal(source().key, JSON.stringify(['static', 'database/static-creds/app']));
    assert.equal(source().refreshIntervalMs, DEFAULT_REFRESH_MS);
  });

  it("ends validity at Vault's next rotation, however late the read, and sees the new password after it", async () => {
    const first = await source().read(vault, 'root', signal);
    const rotationAt = first.validity!.until;
    clock.advanceSeconds(2400);
    const later = await source().read(vault, 'root', signal);
    assert.equal(later.validity!.until, rotationAt, 'the same rotation moment, counted from the later read');
    assert.equal(later.data['password'], first.data['password']);
    clock.advanceSeconds(1200);
    const rotated = await source().read(vault, 'root', signal);
    assert.notEqual(rotated.data['password'], first.data['password']);
    assert.equal(rotated.validity!.until, rotationAt + 3_600_000);
  });

  it('follows rotate-role: the next read has the new password and a full period', async () => {
    const first = await source().read(vault, 'root', signal);
    clock.advanceSeconds(600);
    await call(server, 'POST', '/v1/database/rotate-role/app', { token: 'root' });
    const after = await source().read(vault, 'root', signal);
    assert.notEqual(after.data['password'], first.data['password']);
    assert.equal(after.validity!.until, clock.now() + 3_600_000);
  });

  it("passes Vault's refusal of an unknown role through as VaultRequestRejectedError", async () => {
    const missing = staticCredsSource({ name: 'db', mount: 'database', role: 'nope' }, clock.now);
    await assert.rejects(missing.read(vault, 'root', signal), (error: Error) => error instanceof VaultRequestRejectedError && error.message.includes('unknown role: nope'));
  });
});

describe('staticCredsSource with malformed answers', () => {
  let fake: FakeVault;
  let vault: VaultClient;
  beforeEach(async () => {
    fake = await startFakeVault();
    vault = testClient(fake.url, { maxRetries: 0 });
  });
  afterEach(async () => {
    vault.close();
    await fake.close();
  });

  const answering = (data: unknown) => {
    fake.on('GET', '/v1/db/static-creds/app', { body: { lease_id: '', lease_duration: 0, renewable: false, data } });
    return staticCredsSource({ name: 'app-db', mount: 'db', role: 'app' }, () => 1_000).read(vault, 't', signal);
  };
  const refusedWith = (fragment: string) => (error: Error) =>
    error instanceof SecretDataError && error.message.includes('app-db') && error.message.includes(fragment) && !error.message.includes('s3cret');

  it('uses the mount it is given', async () => {
    const lease = await answering({ username: 'u', password: 's3cret', ttl: 30, rotation_period: 60 });
    assert.deepEqual(lease.validity, { from: 1_000, until: 31_000, rotate: 'after' });
    assert.deepEqual(lease.data, { username: 'u', password: 's3cret', rotation_period: 60 }, 'ttl counts down on every read: kept out of the file');
    assert.equal(fake.requests[0]?.headers['x-vault-token'], 't');
  });

  it('refuses an answer without a numeric ttl, never quoting values', async () => {
    await assert.rejects(answering({ username: 'u', password: 's3cret' }), refusedWith('numeric ttl'));
    await assert.rejects(answering({ username: 'u', password: 's3cret', ttl: '30' }), refusedWith('numeric ttl'));
  });

  it('refuses an answer without a username or password', async () => {
    await assert.rejects(answering({ password: 's3cret', ttl: 30 }), refusedWith('username'));
    await assert.rejects(answering({ username: 'u', rsa_private_key: 's3cret', ttl: 30 }), refusedWith('password'));
  });

  it('refuses an answer without data', async () => {
    await assert.rejects(answering(null), refusedWith('without data'));
  });
});
