import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { FileSet } from '../../src/files/file-set.js';
import { SecretWorker, type TokenProvider } from '../../src/lease/secret-worker.js';
import { createLogger, silentLogger } from '../../src/log.js';
import { noopRecorder, type MetricsRecorder, type Result } from '../../src/metrics/recorder.js';
import { kv2Source } from '../../src/sources/kv2.js';
import { leasedSource } from '../../src/sources/leased.js';
import type { SecretSource } from '../../src/sources/source.js';
import type { VaultClient } from '../../src/vault/client.js';
import { startFakeVault, type FakeVault } from '../support/fake-vault.js';
import { testClient, until } from '../vault/helpers.js';

const KV = '/v1/secret/data/app';
const CREDS = '/v1/database/creds/app';
const RENEW = '/v1/sys/leases/renew';

const auth: TokenProvider = {
  tokenFor: async () => 't1',
  tokenOtherThan: async () => 't1',
  onTokenChange: () => () => {},
  invalidate: () => {},
  deadlineFor: () => Number.POSITIVE_INFINITY,
};

/**
 * What the metrics and logs say about a secret through failures and recoveries: a re-read that
 * finds the same version is a success (the false page of issue 16 counted it as nothing), and
 * every failure is followed by a line saying it is over.
 */
describe('SecretWorker health: reads, rotations, last success, log lines', () => {
  let fake: FakeVault;
  let vault: VaultClient;
  let dir: string;
  let controller: AbortController;
  let run: Promise<void> | undefined;
  let events: string[];
  let lines: Array<Record<string, unknown>>;

  const recorder: MetricsRecorder = {
    ...noopRecorder,
    secretRead: (_s, result: Result) => void events.push(`read ${result}`),
    secretRenewed: (_s, result: Result) => void events.push(`renew ${result}`),
    secretRotated: (_s, result: Result) => void events.push(`rotation ${result}`),
  };
  const count = (event: string) => events.filter((e) => e === event).length;
  const logged = (msg: string) => lines.filter((line) => line.msg === msg);

  function start(source: SecretSource): SecretWorker {
    const files = new FileSet({ directory: dir, logger: silentLogger() });
    files.configure([{ file: `${source.name}.json`, secrets: [source.name], render: { format: 'json' }, mode: 0o600, onChange: [], key: 'secrets[0]' }], new Map());
    const sink = new Writable({
      write(chunk, _encoding, done) {
        for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    const worker = new SecretWorker({
      source,
      files,
      vault,
      auth,
      recorder,
      logger: createLogger('debug', sink),
      backoff: { baseMs: 20, capMs: 40, floorMs: 10 },
      random: () => 0.5,
    });
    run = worker.run(controller.signal);
    return worker;
  }

  beforeEach(async () => {
    fake = await startFakeVault();
    vault = testClient(fake.url, { maxRetries: 0 });
    dir = await mkdtemp(join(tmpdir(), 'vaultlet-health-'));
    controller = new AbortController();
    events = [];
    lines = [];
  });
  afterEach(async () => {
    controller.abort();
    await run;
    vault.close();
    await fake.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('counts a same-version KV re-read as a successful read, and a failed one as a failed read, never a rotation', async () => {
    const kv = { body: { data: { data: { key: 'v1' }, metadata: { version: 1 } } } };
    fake.queue('GET', KV, kv, { status: 503 }, { status: 503 }, { status: 503 });
    fake.on('GET', KV, kv);
    const worker = start(kv2Source({ name: 'app', mount: 'secret', path: 'app', refreshIntervalMs: 100 }, Date.now));
    await until(() => fake.requestsTo('GET', KV).length >= 6, 'a blip and two same-version re-reads', 3_000);
    await until(() => count('read success') >= 3, 'the reads after the blip counted');
    assert.equal(count('read failure'), 3);
    assert.equal(count('rotation failure'), 0, 'a failed re-read of KV replaced nothing');
    assert.equal(count('rotation success'), 0, 'the same version is no rotation');
    const snapshot = worker.snapshot();
    assert.equal(snapshot.consecutiveFailures, 0, 'the success after the blip ended it');
    assert.ok(snapshot.lastSuccessAt !== undefined && Date.now() - snapshot.lastSuccessAt < 1_000, 'the last success is recent');
    assert.ok(snapshot.nextRefreshAt !== undefined && snapshot.nextRefreshAt > snapshot.lastSuccessAt);
    assert.equal(snapshot.ttlMs, undefined, 'KV has no lease to time');
    // Logs: one warning per failure, one info line when it is over; KV lines have no ttl_seconds.
    assert.equal(lines.filter((l) => l.level === 'warn').length, 3);
    const [recovered] = logged('secret recovered');
    assert.equal(recovered?.secret, 'app');
    assert.equal(recovered?.failed_attempts, 3);
    assert.ok(typeof recovered?.failing_seconds === 'number' && recovered.failing_seconds > 0);
    assert.equal(logged('secret recovered').length, 1);
    for (const line of [...logged('secret written'), ...logged('secret unchanged')]) {
      assert.equal(line.version, 1);
      assert.ok(!('ttl_seconds' in line) && !('renewable' in line), `a KV line with lease fields: ${JSON.stringify(line)}`);
    }
  });

  it('counts consecutive failures while they last, and keeps the planned refresh where it was', async () => {
    fake.queue('GET', KV, { body: { data: { data: { key: 'v1' }, metadata: { version: 1 } } } });
    fake.on('GET', KV, { status: 500 });
    const worker = start(kv2Source({ name: 'app', mount: 'secret', path: 'app', refreshIntervalMs: 100 }, Date.now));
    await until(() => {
      const { lastSuccessAt, nextRefreshAt } = worker.snapshot();
      return lastSuccessAt !== undefined && nextRefreshAt !== undefined && nextRefreshAt > lastSuccessAt;
    }, 'the first read, and the refresh planned after it');
    const planned = worker.snapshot().nextRefreshAt;
    await until(() => (worker.snapshot().consecutiveFailures ?? 0) >= 3, 'three failures in a row', 3_000);
    assert.equal(worker.snapshot().nextRefreshAt, planned, 'retries do not move the planned refresh');
    assert.equal(logged('secret recovered').length, 0);
  });

  it('logs why a lease was replaced: max TTL, or revoked in Vault', async () => {
    let issued = 0;
    fake.on('GET', CREDS, () => ({ body: { lease_id: `database/creds/app/l${++issued}`, lease_duration: 1, renewable: true, data: { username: 'u', password: `p${issued}` } } }));
    // First renewal: granted less than asked (max TTL); the lease after it is refused as revoked.
    fake.queue('PUT', RENEW, (request) => ({ body: { lease_id: (request.body as { lease_id: string }).lease_id, lease_duration: 0.5, renewable: true } }));
    fake.on('PUT', RENEW, { status: 400, body: { errors: ['lease not found or lease is not renewable'] } });
    const worker = start(leasedSource({ name: 'db', path: 'database/creds/app', method: 'GET' }, Date.now));
    await until(() => logged('secret rotated').length >= 2, 'two rotations', 5_000);
    const reasons = logged('secret rotated').map((line) => line.reason);
    assert.equal(reasons[0], 'lease reached its max TTL');
    assert.equal(reasons[1], 'lease revoked or expired in Vault');
    for (const line of logged('secret rotated')) {
      assert.equal(line.ttl_seconds, 1);
      assert.equal(line.renewable, true);
      assert.ok(!JSON.stringify(line).includes('database/creds/app/l'), 'no lease id in the log');
    }
    assert.ok(count('rotation success') >= 2);
    assert.ok(count('read success') >= 3);
    const snapshot = worker.snapshot();
    assert.equal(snapshot.ttlMs, 1000, 'the TTL granted with the current lease');
    assert.ok(Number.isFinite(snapshot.expiresAt));
  });
});
