import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AbortedError } from '../../src/errors.js';
import { SecretWorker, type SecretWorkerOptions, type TokenProvider } from '../../src/lease/secret-worker.js';
import type { Lease } from '../../src/lease/lease.js';
import { silentLogger } from '../../src/log.js';
import { noopRecorder, type MetricsRecorder } from '../../src/metrics/recorder.js';
import { FileSet } from '../../src/files/file-set.js';
import { kv2Source } from '../../src/sources/kv2.js';
import { leasedSource } from '../../src/sources/leased.js';
import { createSource, type SecretSource } from '../../src/sources/source.js';
import { staticCredsSource } from '../../src/sources/static-creds.js';
import type { PersistedSecret } from '../../src/state/agent-state.js';
import type { VaultClient } from '../../src/vault/client.js';
import { startFakeVault, type FakeReply, type FakeVault } from '../support/fake-vault.js';
import { sleep, testClient, until } from '../vault/helpers.js';

const RENEW = '/v1/sys/leases/renew';

class StubAuth implements TokenProvider {
  token = 't1';
  readonly invalidated: Array<{ token: string; reason: string }> = [];
  async tokenFor(): Promise<string> {
    return this.token;
  }
  invalidate(token: string, reason: string): void {
    this.invalidated.push({ token, reason });
  }
  deadlineFor(): number {
    return Number.POSITIVE_INFINITY;
  }
  async tokenOtherThan(): Promise<string> {
    return this.token;
  }
  onTokenChange(): () => void {
    return () => {};
  }
}

interface Counts {
  written: number;
  changed: number;
  renewed: number;
}

describe('SecretWorker', () => {
  let fake: FakeVault;
  let vault: VaultClient;
  let dir: string;
  let auth: StubAuth;
  let controller: AbortController;
  let runs: Array<Promise<void>>;
  let counts: Record<string, Counts>;
  let issued: number;

  const recorder: MetricsRecorder = {
    ...noopRecorder,
    secretWritten(secret, result, changed) {
      const c = (counts[secret] ??= { written: 0, changed: 0, renewed: 0 });
      if (result === 'success') c.written++;
      if (changed) c.changed++;
    },
    secretRenewed(secret, result) {
      if (result === 'success') (counts[secret] ??= { written: 0, changed: 0, renewed: 0 }).renewed++;
    },
  };

  function worker(source: SecretSource, file = `${source.name}.json`, options: Partial<SecretWorkerOptions> = {}): SecretWorker {
    const files = new FileSet({ directory: dir, logger: silentLogger() });
    files.configure([{ file, secrets: [source.name], render: { format: 'json' }, mode: 0o600, onChange: [], key: 'secrets[0]' }], new Map());
    return new SecretWorker({
      source,
      files,
      vault,
      auth,
      recorder,
      logger: silentLogger(),
      backoff: { baseMs: 50, capMs: 200, floorMs: 10 },
      random: () => 0.5,
      ...options,
    });
  }

  const dbSource = (name = 'db', path = 'database/creds/app') => leasedSource({ name, path, method: 'GET' }, Date.now);
  const run = (w: SecretWorker) => runs.push(w.run(controller.signal));
  const fileOf = async (name: string) => JSON.parse(await readFile(join(dir, `${name}.json`), 'utf8')) as Record<string, unknown>;

  /** Each read issues a new credential: lease-N with password pw-N. */
  function issue(ttlSeconds: number, renewable = true, prefix = 'database/creds/app'): (request: unknown) => FakeReply {
    return () => {
      issued++;
      return { body: { lease_id: `${prefix}/lease-${issued}`, lease_duration: ttlSeconds, renewable, data: { username: 'app', password: `pw-${issued}` } } };
    };
  }

  const renewAnswer = (seconds: number) => (request: { body: unknown }) => ({
    body: { lease_id: (request.body as { lease_id: string }).lease_id, lease_duration: seconds, renewable: true },
  });

  beforeEach(async () => {
    fake = await startFakeVault();
    vault = testClient(fake.url, { maxRetries: 0 });
    dir = await mkdtemp(join(tmpdir(), 'vaultlet-worker-'));
    auth = new StubAuth();
    controller = new AbortController();
    runs = [];
    counts = {};
    issued = 0;
  });

  afterEach(async () => {
    controller.abort();
    await Promise.all(runs);
    vault.close();
    await fake.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('writes the file, and is ready only once it has', async () => {
    fake.on('GET', '/v1/database/creds/app', issue(60));
    const w = worker(dbSource());
    assert.equal(w.readiness().ready, false);
    assert.match(w.readiness().reason ?? '', /"db": not written yet/);
    run(w);
    await until(() => w.readiness().ready, 'the worker to be ready');
    assert.deepEqual(await fileOf('db'), { username: 'app', password: 'pw-1' });
    assert.equal(fake.requests[0]?.headers['x-vault-token'], 't1');
  });

  it('renews the lease on schedule without re-reading or rewriting the file', async () => {
    fake.on('GET', '/v1/database/creds/app', issue(1));
    fake.on('PUT', RENEW, renewAnswer(1));
    const w = worker(dbSource());
    run(w);
    await until(() => w.readiness().ready, 'the first write');
    const before = await stat(join(dir, 'db.json'));
    await until(() => fake.requestsTo('PUT', RENEW).length >= 2, 'two renewals', 3_000);
    const [first] = fake.requestsTo('PUT', RENEW);
    assert.deepEqual(first?.body, { lease_id: 'database/creds/app/lease-1', increment: 1 });
    assert.equal(first?.headers['x-vault-token'], 't1');
    const readAt = fake.requestsTo('GET', '/v1/database/creds/app')[0]!.at;
    // random 0.5: the first renewal after start at 40% of the TTL (10–70% window), later ones at 65%.
    assert.ok(first!.at - readAt >= 350 && first!.at - readAt <= 700, `renewed ${first!.at - readAt} ms after the read`);
    const second = fake.requestsTo('PUT', RENEW)[1]!;
    assert.ok(second.at - first!.at >= 550 && second.at - first!.at <= 900, `renewed again ${second.at - first!.at} ms later`);
    assert.equal(fake.requestsTo('GET', '/v1/database/creds/app').length, 1);
    const after = await stat(join(dir, 'db.json'));
    assert.equal(after.ino, before.ino);
    assert.equal(after.mtimeMs, before.mtimeMs);
    assert.equal(counts.db?.written, 1);
    assert.ok((counts.db?.renewed ?? 0) >= 2);
    assert.equal(w.readiness().ready, true);
  });

  it('fetches a new credential and rewrites the file when a renewal is capped', async () => {
    fake.on('GET', '/v1/database/creds/app', issue(2));
    fake.on('PUT', RENEW, renewAnswer(1));
    const w = worker(dbSource());
    run(w);
    await until(() => issued === 2, 'a second credential', 4_000);
    const renewedAt = fake.requestsTo('PUT', RENEW)[0]!.at;
    const refetchedAt = fake.requestsTo('GET', '/v1/database/creds/app')[1]!.at;
    assert.ok(refetchedAt < renewedAt + 1_000, 'the replacement came before the capped lease expired');
    await until(() => counts.db?.changed === 2, 'the second write');
    assert.deepEqual(await fileOf('db'), { username: 'app', password: 'pw-2' });
    assert.equal(fake.requestsTo('PUT', RENEW).length, 1);
  });

  it('fetches a new credential at once when the renewal is answered 400 (lease not found)', async () => {
    fake.on('GET', '/v1/database/creds/app', issue(1));
    fake.on('PUT', RENEW, { status: 400, body: { errors: ['lease not found'] } });
    const w = worker(dbSource());
    run(w);
    await until(() => issued === 2, 'a second credential', 2_000);
    const renewedAt = fake.requestsTo('PUT', RENEW)[0]!.at;
    const refetchedAt = fake.requestsTo('GET', '/v1/database/creds/app')[1]!.at;
    assert.ok(refetchedAt - renewedAt < 150, `refetched ${refetchedAt - renewedAt} ms after the refusal`);
    await until(() => counts.db?.changed === 2, 'the second write');
    assert.deepEqual(await fileOf('db'), { username: 'app', password: 'pw-2' });
  });

  it('fetches a new credential when a renewal grants no time at all', async () => {
    fake.on('GET', '/v1/database/creds/app', issue(1));
    fake.on('PUT', RENEW, renewAnswer(0));
    const w = worker(dbSource());
    run(w);
    await until(() => fake.requestsTo('PUT', RENEW).length === 1, 'the renewal', 2_000);
    await until(() => issued === 2, 'a second credential', 1_000);
    await until(() => counts.db?.changed === 2, 'the second write');
    assert.deepEqual(await fileOf('db'), { username: 'app', password: 'pw-2' });
    assert.equal(w.readiness().ready, true);
  });

  it('is not ready after a renewal that grants no time when no replacement comes', async () => {
    fake.queue('GET', '/v1/database/creds/app', issue(1));
    fake.on('GET', '/v1/database/creds/app', { status: 503 });
    fake.on('PUT', RENEW, renewAnswer(0));
    const w = worker(dbSource());
    run(w);
    await until(() => fake.requestsTo('PUT', RENEW).length === 1, 'the renewal', 2_000);
    await until(() => !w.readiness().ready, 'the worker to report the lease gone', 500);
    await until(() => fake.requestsTo('GET', '/v1/database/creds/app').length >= 2, 'a replacement attempt', 500);
    assert.equal(w.readiness().ready, false);
  });

  it('reports a 403 on a read to the auth handler with the token it used', async () => {
    fake.on('GET', '/v1/database/creds/app', { status: 403, body: { errors: ['permission denied'] } });
    const w = worker(dbSource());
    run(w);
    await until(() => auth.invalidated.length > 0, 'an invalidation');
    assert.equal(auth.invalidated[0]?.token, 't1');
    assert.match(auth.invalidated[0]?.reason ?? '', /db/);
    assert.match(w.lastError() ?? '', /permission denied/);
    auth.token = 't2';
    fake.on('GET', '/v1/database/creds/app', issue(60));
    await until(() => w.readiness().ready, 'a write with the new token');
    assert.equal(fake.requests.at(-1)?.headers['x-vault-token'], 't2');
  });

  it('keeps one secret on schedule while another fails', async () => {
    fake.on('GET', '/v1/database/creds/broken', { status: 500, body: { errors: ['internal error'] } });
    fake.on('GET', '/v1/database/creds/app', issue(1));
    fake.on('PUT', RENEW, renewAnswer(1));
    const broken = worker(dbSource('broken', 'database/creds/broken'));
    const healthy = worker(dbSource('db'));
    run(broken);
    run(healthy);
    await until(() => fake.requestsTo('PUT', RENEW).length >= 2, 'two renewals of the healthy lease', 3_000);
    const readAt = fake.requestsTo('GET', '/v1/database/creds/app')[0]!.at;
    const renewals = fake.requestsTo('PUT', RENEW).map((r) => r.at - readAt);
    assert.ok(renewals[0]! >= 350 && renewals[0]! <= 700, `first renewal after ${renewals[0]} ms`);
    assert.ok(renewals[1]! - renewals[0]! >= 550 && renewals[1]! - renewals[0]! <= 900, `second renewal ${renewals[1]! - renewals[0]!} ms later`);
    assert.equal(fake.requestsTo('GET', '/v1/database/creds/app').length, 1, 'the healthy secret was not re-fetched');
    assert.ok(fake.requestsTo('GET', '/v1/database/creds/broken').length >= 5, 'the broken one kept retrying');
    assert.equal(healthy.readiness().ready, true);
    assert.equal(broken.readiness().ready, false);
  });

  it('does not rewrite a KV secret whose version has not changed', async () => {
    let version = 1;
    fake.on('GET', '/v1/secret/data/app', () => ({ body: { data: { data: { v: `value-${version}` }, metadata: { version } } } }));
    const w = worker(kv2Source({ name: 'kv', mount: 'secret', path: 'app', refreshIntervalMs: 200 }, Date.now));
    run(w);
    await until(() => fake.requests.length >= 3, 'three reads', 2_000);
    assert.equal(counts.kv?.written, 1);
    version = 2;
    await until(() => counts.kv?.written === 2, 'a write of version 2', 2_000);
    assert.deepEqual(await fileOf('kv'), { v: 'value-2' });
  });

  it('is not ready once its lease expires without a replacement', async () => {
    fake.queue('GET', '/v1/database/creds/app', issue(1));
    fake.fallback({ status: 503, body: { errors: ['Vault is sealed'] } });
    const w = worker(dbSource());
    run(w);
    await until(() => w.readiness().ready, 'the first write');
    await sleep(600);
    assert.equal(w.readiness().ready, true, 'still ready within the TTL');
    await until(() => !w.readiness().ready, 'the lease to expire', 1_500);
    assert.match(w.readiness().reason ?? '', /lease expired/);
    assert.ok(fake.requestsTo('PUT', RENEW).length >= 1, 'renewal was attempted');
  });

  it('writeOnce retries until the secret is written', async () => {
    fake.queue('GET', '/v1/database/creds/app', { status: 500 }, { status: 502 }).on('GET', '/v1/database/creds/app', issue(60));
    const w = worker(dbSource());
    await w.writeOnce(controller.signal);
    assert.equal(fake.requests.length, 3);
    assert.deepEqual(await fileOf('db'), { username: 'app', password: 'pw-1' });
  });

  it('writeOnce gives up with AbortedError when the signal aborts', async () => {
    fake.on('GET', '/v1/database/creds/app', { status: 500 });
    const w = worker(dbSource());
    setTimeout(() => controller.abort(), 300);
    await assert.rejects(w.writeOnce(controller.signal), AbortedError);
    assert.ok(fake.requests.length >= 2);
  });
  describe('data with a validity (certificates, static roles)', () => {
    const ISSUE = '/v1/pki/issue/web';
    const STATIC = '/v1/database/static-creds/app';

    /** A certificate valid for `lifetimeMs` from the moment Vault answers; rotate_fraction 0.5 (window 45–55%). */
    function certificateSource(lifetimeMs: number, now: () => number = Date.now): SecretSource {
      const pki = createSource({ name: 'tls', kind: 'pki', mount: 'pki', role: 'web', params: {}, rotateFraction: 0.5 }, now);
      return {
        ...pki,
        async read(client, token, signal): Promise<Lease> {
          const response = await client.request('secret_read', { method: 'POST', path: 'pki/issue/web', token, signal, body: {} });
          const obtainedAt = now();
          // Marked renewable, with a lease id (a generate_lease role): the validity must still win.
          return {
            id: response.lease_id ?? '', ttlMs: lifetimeMs, renewable: true, obtainedAt,
            validity: { from: obtainedAt, until: obtainedAt + lifetimeMs, rotate: 'before' }, data: response.data ?? {},
          };
        },
      };
    }

    const issueCertificate = () => {
      issued++;
      return { body: { lease_id: `pki/issue/web/lease-${issued}`, lease_duration: 1, renewable: true, data: { certificate: `cert-${issued}` } } };
    };
    const staticCreds = (ttlSeconds: number) => () => {
      issued++;
      return { body: { data: { username: 'app', password: `pw-${issued}`, ttl: ttlSeconds, rotation_period: 3600 } } };
    };

    it('replaces a certificate inside its window and never renews it', async () => {
      fake.on('POST', ISSUE, issueCertificate);
      fake.on('PUT', RENEW, renewAnswer(1));
      const w = worker(certificateSource(1_000));
      run(w);
      await until(() => issued === 3, 'two replacements', 3_000);
      const [first, second, third] = fake.requestsTo('POST', ISSUE).map((request) => request.at);
      // random 0.5: at 50% of the lifetime (window 45–55%), the first one after start included.
      assert.ok(second! - first! >= 480 && second! - first! < 700, `first replacement ${second! - first!} ms after the issue`);
      assert.ok(third! - second! >= 480 && third! - second! < 700, `second replacement ${third! - second!} ms after the last`);
      await until(() => counts.tls?.changed === 3, 'the third write');
      assert.deepEqual(await fileOf('tls'), { certificate: 'cert-3' });
      assert.equal(fake.requestsTo('PUT', RENEW).length, 0, 'a certificate is never renewed');
      assert.equal(w.readiness().ready, true);
    });

    it("re-reads a static role's password just after Vault rotates it, not before", async () => {
      fake.on('GET', STATIC, staticCreds(1));
      const w = worker(staticCredsSource({ name: 'db', mount: 'database', role: 'app' }, Date.now), undefined, { random: () => 0 });
      run(w);
      await until(() => issued === 2, 'a re-read after the rotation', 3_000);
      const [first, second] = fake.requestsTo('GET', STATIC).map((request) => request.at);
      // ttl 1 s from the answer, then 1 s (lowest jitter): Vault rounds ttl to seconds, so it has surely rotated.
      assert.ok(second! - first! >= 2_000 && second! - first! < 2_400, `re-read ${second! - first!} ms after the first read`);
      await until(() => counts.db?.changed === 2, 'the second write');
      assert.deepEqual(await fileOf('db'), { username: 'app', password: 'pw-2', rotation_period: 3600 }, 'no ttl: it counts down on every read');
      assert.equal(fake.requests.filter((request) => request.path !== STATIC).length, 0, 'no renewal or lookup');
    });

    it('gives a static role 15 s of grace after its rotation before reporting it not ready; a certificate none', async () => {
      let clock = 1_700_000_000_000;
      const now = () => clock;
      fake.on('GET', STATIC, staticCreds(60));
      fake.on('POST', ISSUE, issueCertificate);
      const creds = worker(staticCredsSource({ name: 'db', mount: 'database', role: 'app' }, now), undefined, { now });
      const tls = worker(certificateSource(60_000, now), undefined, { now });
      await creds.writeOnce(controller.signal);
      await tls.writeOnce(controller.signal);
      const rotatesAt = clock + 60_000;
      assert.equal(creds.status().expiresAt, rotatesAt);
      assert.equal(tls.status().expiresAt, rotatesAt);

      clock = rotatesAt - 1;
      assert.deepEqual([creds.readiness().ready, tls.readiness().ready], [true, true]);
      clock = rotatesAt;
      assert.equal(creds.readiness().ready, true, 'Vault has just rotated: the re-read is due in a moment');
      assert.deepEqual(tls.readiness(), { ready: false, reason: 'secret "tls": lease expired' });
      clock = rotatesAt + 14_999;
      assert.equal(creds.readiness().ready, true);
      clock = rotatesAt + 15_000;
      assert.deepEqual(creds.readiness(), { ready: false, reason: 'secret "db": lease expired' });
    });

    it('refuses to adopt a saved certificate past its NotAfter, and adopts a valid one without asking Vault', async () => {
      fake.fallback({ status: 500 });
      const source = certificateSource(60_000);
      const saved = (until: number): PersistedSecret => {
        const lease: Lease = {
          id: 'pki/issue/web/lease-old', ttlMs: 60_000, renewable: false, obtainedAt: until - 60_000,
          validity: { from: until - 60_000, until, rotate: 'before' }, data: { certificate: 'saved-cert' },
        };
        return { source: source.key, token: 't1', grantedTtlMs: 60_000, capped: false, lease };
      };

      const expired = worker(source);
      assert.equal(await expired.adopt(saved(Date.now() - 1), controller.signal), false);
      assert.equal(expired.readiness().ready, false);
      await assert.rejects(readFile(join(dir, 'tls.json')), { code: 'ENOENT' });

      const valid = worker(source);
      const notAfter = Date.now() + 30_000;
      assert.equal(await valid.adopt(saved(notAfter), controller.signal), true);
      assert.deepEqual(await fileOf('tls'), { certificate: 'saved-cert' });
      assert.equal(valid.readiness().ready, true);
      assert.equal(valid.status().expiresAt, notAfter);
      assert.deepEqual((valid.persisted()!.lease as Lease).validity, { from: notAfter - 60_000, until: notAfter, rotate: 'before' });
      assert.equal(fake.requests.length, 0, 'no sys/leases/lookup for a certificate');
    });
  });
});
