import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuthHandler } from '../../src/auth/auth-handler.js';
import { kubernetesAuth } from '../../src/auth/kubernetes.js';
import type { AuthMethod } from '../../src/auth/method.js';
import { tokenFileAuth } from '../../src/auth/token-file.js';
import { silentLogger } from '../../src/log.js';
import { noopRecorder, type MetricsRecorder, type Result } from '../../src/metrics/recorder.js';
import type { VaultClient } from '../../src/vault/client.js';
import { startFakeVault, type FakeVault } from '../support/fake-vault.js';
import { sleep, testClient, until } from '../vault/helpers.js';

const LOGIN = '/v1/auth/kubernetes/login';
const RENEW = '/v1/auth/token/renew-self';
const REVOKE = '/v1/auth/token/revoke-self';
const LOOKUP = '/v1/auth/token/lookup-self';

describe('AuthHandler', () => {
  let fake: FakeVault;
  let vault: VaultClient;
  let dir: string;
  let tokenPath: string;
  let controller: AbortController;
  let running: Promise<void> | undefined;
  let loginTtlSeconds: number;
  let logins: number;
  const loginResults: Result[] = [];

  const recorder: MetricsRecorder = { ...noopRecorder, loginAttempted: (_method, result) => loginResults.push(result) };

  function handler(method: AuthMethod = kubernetesAuth({ mount: 'kubernetes', role: 'app', tokenPath })): AuthHandler {
    return new AuthHandler({
      vault,
      method,
      recorder,
      logger: silentLogger(),
      backoff: { baseMs: 50, capMs: 200, floorMs: 10 },
      random: () => 0.5,
    });
  }

  function start(auth: AuthHandler): AuthHandler {
    running = auth.start(controller.signal);
    return auth;
  }

  /** Answers every login with a fresh token t1, t2, … */
  function issueTokens(): void {
    fake.on('POST', LOGIN, () => ({
      body: { auth: { client_token: `t${++logins}`, accessor: 'acc', policies: ['app'], lease_duration: loginTtlSeconds, renewable: true } },
    }));
    // After a 403 elsewhere the handler checks its token; by default the fake says it is dead.
    fake.on('GET', LOOKUP, { status: 403, body: { errors: ['permission denied'] } });
  }

  const renewAnswer = (seconds: number) => ({ body: { auth: { client_token: 'ignored', lease_duration: seconds, renewable: true } } });

  beforeEach(async () => {
    fake = await startFakeVault();
    vault = testClient(fake.url, { maxRetries: 0 });
    dir = await mkdtemp(join(tmpdir(), 'vaultlet-auth-'));
    tokenPath = join(dir, 'sa-token');
    await writeFile(tokenPath, 'service-account-jwt');
    controller = new AbortController();
    running = undefined;
    loginTtlSeconds = 3;
    logins = 0;
    loginResults.length = 0;
  });

  afterEach(async () => {
    controller.abort();
    await running;
    vault.close();
    await fake.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('logs in with the role and JWT, without a token, and hands the token out', async () => {
    issueTokens();
    const auth = start(handler());
    assert.equal(await auth.tokenFor(controller.signal), 't1');
    const [login] = fake.requestsTo('POST', LOGIN);
    assert.deepEqual(login?.body, { role: 'app', jwt: 'service-account-jwt' });
    assert.equal(login?.headers['x-vault-token'], undefined);
    assert.equal(auth.current()?.owned, true);
    assert.deepEqual(loginResults, ['success']);
  });

  it('renews the token at about 2/3 of its TTL (the first renewal after start spread wider), asking for the TTL again', async () => {
    issueTokens();
    fake.on('POST', RENEW, renewAnswer(3));
    const auth = start(handler());
    await auth.tokenFor(controller.signal);
    await until(() => fake.requestsTo('POST', RENEW).length > 1, 'two renewals', 6_000);
    const loginAt = fake.requestsTo('POST', LOGIN)[0]!.at;
    const [renewal, next] = fake.requestsTo('POST', RENEW);
    const after = renewal!.at - loginAt;
    // random 0.5 → the first renewal at 40% of 3 s (10–70% window), the next at 65%.
    assert.ok(after >= 1_100 && after <= 1_500, `renewed after ${after} ms`);
    const again = next!.at - renewal!.at;
    assert.ok(again >= 1_850 && again <= 2_300, `renewed again after ${again} ms`);
    assert.equal(renewal!.headers['x-vault-token'], 't1');
    assert.deepEqual(renewal!.body, { increment: '3s' });
    assert.equal(logins, 1);
    assert.equal(auth.deadlineFor('t1'), Number.POSITIVE_INFINITY);
  });

  it('logs in again before expiry when a renewal is capped, and bounds the old token', async () => {
    issueTokens();
    fake.queue('POST', RENEW, renewAnswer(1));
    const auth = start(handler());
    await auth.tokenFor(controller.signal);
    assert.equal(auth.deadlineFor('t1'), Number.POSITIVE_INFINITY);
    await until(() => logins === 2, 'a second login', 5_000);
    const renewedAt = fake.requestsTo('POST', RENEW)[0]!.at;
    const reloginAt = fake.requestsTo('POST', LOGIN)[1]!.at;
    assert.ok(reloginAt < renewedAt + 1_000, `logged in again ${reloginAt - renewedAt} ms after the capped renewal`);
    await until(() => auth.current()?.token === 't2', 'the new token');
    const oldDeadline = auth.deadlineFor('t1');
    assert.ok(Math.abs(oldDeadline - (renewedAt + 1_000)) < 200, `old token deadline ${oldDeadline - renewedAt} ms after renewal`);
    assert.equal(auth.deadlineFor('t2'), Number.POSITIVE_INFINITY);
  });

  it('logs in again when a renewal grants no time (token at its max TTL)', async () => {
    loginTtlSeconds = 1;
    issueTokens();
    fake.on('POST', RENEW, renewAnswer(0));
    const auth = start(handler());
    await auth.tokenFor(controller.signal);
    await until(() => fake.requestsTo('POST', RENEW).length === 1, 'the renewal', 2_000);
    await until(() => auth.current()?.token === 't2', 'a login after the empty renewal', 500);
    assert.ok(auth.deadlineFor('t1') <= Date.now() + 1_000, 'the old token is not treated as everlasting');
  });

  it('logs in again when a renewal is refused with 403', async () => {
    loginTtlSeconds = 1;
    issueTokens();
    fake.on('POST', RENEW, { status: 403, body: { errors: ['permission denied'] } });
    const auth = start(handler());
    await auth.tokenFor(controller.signal);
    await until(() => auth.current()?.token === 't2', 'a login after the 403', 3_000);
    assert.equal(fake.requestsTo('POST', RENEW).length, 1);
  });

  it('turns ten concurrent invalidations of the current token into one login', async () => {
    issueTokens();
    const auth = start(handler());
    const token = await auth.tokenFor(controller.signal);
    await Promise.all(Array.from({ length: 10 }, async () => auth.invalidate(token, '403 on a secret')));
    await until(() => auth.current()?.token === 't2', 'the new token', 2_000);
    await sleep(200);
    assert.equal(logins, 2);
    assert.equal(fake.requestsTo('GET', LOOKUP).length, 1, 'one check of the token, not ten');
    assert.ok(auth.deadlineFor('t1') <= Date.now(), 'leases of the refused token are treated as gone');
  });

  it('does not let a renewal in flight undo an invalidation', async () => {
    loginTtlSeconds = 1;
    issueTokens();
    let auth: AuthHandler | undefined = undefined;
    fake.queue('POST', RENEW, async () => {
      auth!.invalidate('t1', '403 on a secret');
      await sleep(100);
      return renewAnswer(1);
    });
    fake.on('POST', RENEW, renewAnswer(1));
    auth = start(handler());
    await auth.tokenFor(controller.signal);
    await until(() => fake.requestsTo('POST', RENEW).length > 0, 'a renewal', 2_000);
    await sleep(300);
    assert.equal(logins, 2, 'the invalidated token was replaced');
    assert.equal(auth.current()?.token, 't2');
  });

  it('ignores an invalidation with a stale token', async () => {
    issueTokens();
    const auth = start(handler());
    await auth.tokenFor(controller.signal);
    auth.invalidate('t0-stale', '403 on a secret');
    await sleep(200);
    assert.equal(logins, 1);
    assert.equal(auth.current()?.token, 't1');
  });

  it('backs off between failed logins and recovers', async () => {
    fake.on('POST', LOGIN, { status: 500, body: { errors: ['internal error'] } });
    const auth = start(handler());
    const failures: Error[] = [];
    auth.on('failed', (error) => failures.push(error));
    await sleep(1_000);
    const attempts = fake.requestsTo('POST', LOGIN).length;
    // Waits of 25, 50, 100, 100 … ms: about ten in a second; a tight loop would make hundreds.
    assert.ok(attempts >= 5 && attempts <= 15, `${attempts} login attempts in 1 s`);
    assert.equal(failures.length, attempts);
    assert.equal(auth.current(), undefined);
    logins = 0;
    issueTokens();
    const started = Date.now();
    assert.equal(await auth.tokenFor(controller.signal), 't1');
    assert.ok(Date.now() - started < 500);
    assert.equal(loginResults.at(-1), 'success');
    assert.equal(loginResults.filter((r) => r === 'failure').length, attempts);
  });

  it('on a policy denial (lookup-self still answers) keeps its token meanwhile and logs in once for fresh policies, not per 403', async () => {
    issueTokens();
    fake.on('GET', LOOKUP, { body: { data: { ttl: 60, renewable: true } } });
    const auth = start(handler());
    const token = await auth.tokenFor(controller.signal);
    for (let i = 0; i < 5; i++) auth.invalidate(token, '403 on a secret');
    await until(() => logins === 2, 'one login for fresh policies', 2_000);
    assert.equal(fake.requestsTo('GET', LOOKUP).length, 1);
    // The next denial, with the new token, within the minute: checked, but no further login.
    auth.invalidate(auth.current()!.token, '403 again');
    await until(() => fake.requestsTo('GET', LOOKUP).length === 2, 'the second check', 2_000);
    await sleep(300);
    assert.equal(logins, 2);
    assert.equal(auth.current()?.token, 't2');
  });

  it('when the login for fresh policies fails, keeps renewing the token it has', async () => {
    loginTtlSeconds = 2;
    issueTokens();
    fake.on('GET', LOOKUP, { body: { data: { ttl: 2, renewable: true } } });
    fake.on('POST', RENEW, renewAnswer(2));
    const auth = start(handler());
    const token = await auth.tokenFor(controller.signal);
    fake.on('POST', LOGIN, { status: 400, body: { errors: ['invalid role name "app"'] } });
    auth.invalidate(token, '403 on a secret');
    await until(() => fake.requestsTo('POST', LOGIN).length === 2, 'the login for fresh policies', 2_000);
    await until(() => fake.requestsTo('POST', RENEW).length >= 2, 'renewals going on', 4_000);
    assert.equal(auth.current()?.token, token, 'still the same, renewed token');
    assert.equal(fake.requestsTo('POST', LOGIN).length, 2, 'no login storm after the failed one');
  });

  it('reads the service account token afresh for every login', async () => {
    issueTokens();
    const auth = start(handler());
    const first = await auth.tokenFor(controller.signal);
    await writeFile(tokenPath, 'rotated-jwt');
    auth.invalidate(first, 'test');
    // Not just "current() differs": between the invalidation and the new login there is no token at all.
    await until(() => auth.current() !== undefined && auth.current()!.token !== first, 'a new token', 2_000);
    assert.deepEqual(fake.requestsTo('POST', LOGIN).map((r) => (r.body as { jwt: string }).jwt), ['service-account-jwt', 'rotated-jwt']);
  });

  it('revokes a token it logged in for', async () => {
    issueTokens();
    fake.on('POST', REVOKE, { status: 204 });
    const auth = start(handler());
    await auth.tokenFor(controller.signal);
    assert.equal(await auth.revoke(controller.signal), true);
    const [revoke] = fake.requestsTo('POST', REVOKE);
    assert.equal(revoke?.headers['x-vault-token'], 't1');
    assert.equal(auth.current(), undefined);
  });

  it('uses a token file through lookup-self and never revokes that token', async () => {
    const path = join(dir, 'vault-token');
    await writeFile(path, 's.from-file\n');
    fake.on('GET', LOOKUP, { body: { data: { ttl: 3600, renewable: true, accessor: 'acc' } } });
    fake.on('POST', REVOKE, { status: 204 });
    const auth = start(handler(tokenFileAuth({ path })));
    assert.equal(await auth.tokenFor(controller.signal), 's.from-file');
    assert.equal(fake.requestsTo('GET', LOOKUP)[0]?.headers['x-vault-token'], 's.from-file');
    assert.equal(auth.current()?.owned, false);
    assert.equal(await auth.revoke(controller.signal), false);
    assert.equal(fake.requestsTo('POST', REVOKE).length, 0);
  });

  it('stops promptly when aborted, even during a hanging login', async () => {
    fake.on('POST', LOGIN, 'hang');
    const auth = start(handler());
    await until(() => fake.requests.length === 1, 'the login request');
    const started = Date.now();
    controller.abort();
    await running;
    assert.ok(Date.now() - started < 500);
    await assert.rejects(auth.tokenFor(controller.signal), { name: 'AbortedError' });
    await sleep(100);
    assert.equal(fake.requests.length, 1);
  });

  it('stops promptly when aborted while waiting to renew', async () => {
    loginTtlSeconds = 1;
    issueTokens();
    const auth = start(handler());
    await auth.tokenFor(controller.signal);
    const started = Date.now();
    controller.abort();
    await running;
    assert.ok(Date.now() - started < 200);
    await sleep(800); // the renewal was due after 650 ms
    assert.equal(fake.requestsTo('POST', RENEW).length, 0, 'no renewal after the abort');
  });
});
