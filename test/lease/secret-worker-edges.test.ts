import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, rmdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileSet } from '../../src/files/file-set.js';
import { SecretWorker, type TokenProvider } from '../../src/lease/secret-worker.js';
import { silentLogger } from '../../src/log.js';
import { noopRecorder, type MetricsRecorder, type Result } from '../../src/metrics/recorder.js';
import { leasedSource } from '../../src/sources/leased.js';
import { pkiSource } from '../../src/sources/pki.js';
import type { SecretSource } from '../../src/sources/source.js';
import type { VaultClient } from '../../src/vault/client.js';
import { startFakeVault, type FakeReply, type FakeVault } from '../support/fake-vault.js';
import { testClient, until } from '../vault/helpers.js';

const CREDS = '/v1/database/creds/app';
const RENEW = '/v1/sys/leases/renew';
const REVOKE = '/v1/sys/leases/revoke';

const auth: TokenProvider = {
  tokenFor: async () => 't1',
  tokenOtherThan: async () => 't1',
  onTokenChange: () => () => {},
  invalidate: () => {},
  deadlineFor: () => Number.POSITIVE_INFINITY,
};

/** Every lease Vault hands over is used, adopted or revoked; and the truth is told while writes fail. */
describe('SecretWorker: leases it cannot use, files it cannot write', () => {
  let fake: FakeVault;
  let vault: VaultClient;
  let dir: string;
  let controller: AbortController;
  let runs: Array<Promise<void>>;
  let issued: number;
  let rotations: Array<[string, Result]>;

  const recorder: MetricsRecorder = { ...noopRecorder, secretRotated: (secret, result) => void rotations.push([secret, result]) };

  function worker(source: SecretSource): SecretWorker {
    const files = new FileSet({ directory: dir, logger: silentLogger() });
    files.configure([{ file: `${source.name}.json`, secrets: [source.name], render: { format: 'json' }, mode: 0o600, onChange: [], key: 'secrets[0]' }], new Map());
    return new SecretWorker({ source, files, vault, auth, recorder, logger: silentLogger(), backoff: { baseMs: 50, capMs: 200, floorMs: 10 }, random: () => 0.5 });
  }
  const db = () => leasedSource({ name: 'db', path: 'database/creds/app', method: 'GET' }, Date.now);
  const issue = (ttlSeconds: number, renewable = true) => (): FakeReply => {
    issued++;
    return { body: { lease_id: `database/creds/app/lease-${issued}`, lease_duration: ttlSeconds, renewable, data: { username: 'app', password: `pw-${issued}` } } };
  };
  const revoked = () => fake.requestsTo('PUT', REVOKE).map((r) => (r.body as { lease_id: string }).lease_id);

  beforeEach(async () => {
    fake = await startFakeVault();
    vault = testClient(fake.url, { maxRetries: 0 });
    dir = await mkdtemp(join(tmpdir(), 'vaultlet-edges-'));
    controller = new AbortController();
    runs = [];
    issued = 0;
    rotations = [];
    fake.on('PUT', REVOKE, { status: 204 });
  });
  afterEach(async () => {
    controller.abort();
    await Promise.all(runs);
    vault.close();
    await fake.close();
    await rm(dir, { recursive: true, force: true });
  });

  const refusals: Array<[string, Record<string, unknown>]> = [
    ['no data', { data: null }],
    ['data that is not an object', { data: 'user:pw' }],
    ['a lease_duration that is not a number', { lease_duration: 'soon', data: { username: 'app', password: 'x' } }],
    ['a renewable flag that is not a boolean', { renewable: 'yes', data: { username: 'app', password: 'x' } }],
  ];
  for (const [what, answer] of refusals) {
    it(`revokes the lease of an answer with ${what}, every time it is handed one`, async () => {
      fake.on('GET', CREDS, () => {
        issued++;
        return { body: { lease_id: `database/creds/app/lease-${issued}`, lease_duration: 60, renewable: true, ...answer } };
      });
      const w = worker(db());
      runs.push(w.run(controller.signal));
      await until(() => issued >= 3, 'three refused answers', 3_000);
      await until(() => revoked().length >= 3, 'three revocations', 1_000);
      assert.deepEqual(revoked().slice(0, 3), ['database/creds/app/lease-1', 'database/creds/app/lease-2', 'database/creds/app/lease-3']);
      assert.equal(w.readiness().ready, false);
      assert.match(w.lastError() ?? '', /database\/creds\/app answered with|database\/creds\/app answered without/);
    });
  }

  it('revokes the lease of a certificate it cannot parse (generate_lease)', async () => {
    fake.on('POST', '/v1/pki/issue/web', { body: { lease_id: 'pki/issue/web/lease-1', lease_duration: 60, renewable: false, data: { certificate: 'not a certificate' } } });
    const w = worker(pkiSource({ name: 'tls', mount: 'pki', role: 'web', params: {} }, Date.now));
    runs.push(w.run(controller.signal));
    await until(() => revoked().length > 0, 'a revocation', 2_000);
    assert.deepEqual(revoked(), ['pki/issue/web/lease-1']);
  });

  it('keeps (and renews) a credential whose file cannot be written, writes it once it can, and takes no new one', async () => {
    fake.on('GET', CREDS, issue(2));
    fake.on('PUT', RENEW, (request) => ({ body: { lease_id: (request.body as { lease_id: string }).lease_id, lease_duration: 2, renewable: true } }));
    await mkdir(join(dir, 'db.json')); // a directory where the file goes: every write fails
    const w = worker(db());
    runs.push(w.run(controller.signal));
    // 2 s leases, not 1: on a loaded machine a late timer must not let a 1 s lease lapse.
    await until(() => fake.requestsTo('PUT', RENEW).length >= 3, 'three renewals of the unwritten credential', 10_000);
    assert.equal(fake.requestsTo('GET', CREDS).length, 1, 'one credential for three TTLs');
    assert.match(w.readiness().reason ?? '', /"db": fetched but its file could not be written: .*db\.json/);
    await rmdir(join(dir, 'db.json'));
    await until(() => w.readiness().ready, 'the write to succeed', 3_000);
    assert.deepEqual(JSON.parse(await readFile(join(dir, 'db.json'), 'utf8')), { username: 'app', password: 'pw-1' });
    assert.equal(fake.requestsTo('GET', CREDS).length, 1);
  });

  it('counts a rotation whose write succeeded on a retry as a success, and names the write error, not an expired lease', async () => {
    fake.on('GET', CREDS, issue(1, false));
    const w = worker(db());
    runs.push(w.run(controller.signal));
    await until(() => w.readiness().ready, 'the first write');
    // The file's place taken by a directory: the replacement credential cannot be written.
    await rm(join(dir, 'db.json'));
    await mkdir(join(dir, 'db.json'));
    await until(() => rotations.length >= 1, 'a rotation attempt', 2_000);
    assert.deepEqual(rotations[0], ['db', 'failure']);
    await until(() => !w.readiness().ready, 'the credential in the file to expire', 3_000);
    assert.match(w.readiness().reason ?? '', /"db": its new credential could not be written \(.*db\.json.*\); the one in the file has expired/);
    await rmdir(join(dir, 'db.json'));
    await until(() => rotations.some(([, result]) => result === 'success'), 'the rotation to complete', 3_000);
    assert.equal(w.readiness().ready, true);
    assert.notEqual(JSON.parse(await readFile(join(dir, 'db.json'), 'utf8')).password, 'pw-1');
  });
});
