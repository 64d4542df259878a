import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { AuthHandler } from '../../src/auth/auth-handler.js';
import { kubernetesAuth } from '../../src/auth/kubernetes.js';
import { createLogger } from '../../src/log.js';
import { noopRecorder } from '../../src/metrics/recorder.js';
import type { VaultClient } from '../../src/vault/client.js';
import { startFakeVault, type FakeVault } from '../support/fake-vault.js';
import { testClient, until } from '../vault/helpers.js';

const LOGIN = '/v1/auth/kubernetes/login';
const RENEW = '/v1/auth/token/renew-self';

/** What the token metrics and the login log line say (see auth-handler.test.ts for the token's life itself). */
describe('AuthHandler timing and login log line', () => {
  let fake: FakeVault;
  let vault: VaultClient;
  let dir: string;
  let controller: AbortController;
  let running: Promise<void> | undefined;
  let lines: Array<Record<string, unknown>>;

  function start(): AuthHandler {
    const sink = new Writable({
      write(chunk, _encoding, done) {
        for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    const auth = new AuthHandler({
      vault,
      method: kubernetesAuth({ mount: 'kubernetes', role: 'app', tokenPath: join(dir, 'sa-token') }),
      recorder: noopRecorder,
      logger: createLogger('debug', sink),
      backoff: { baseMs: 50, capMs: 100, floorMs: 10 },
      random: () => 0.5,
    });
    running = auth.start(controller.signal);
    return auth;
  }

  beforeEach(async () => {
    fake = await startFakeVault();
    vault = testClient(fake.url, { maxRetries: 0 });
    dir = await mkdtemp(join(tmpdir(), 'vaultlet-auth-timing-'));
    await writeFile(join(dir, 'sa-token'), 'service-account-jwt');
    controller = new AbortController();
    lines = [];
    let logins = 0;
    fake.on('POST', LOGIN, () => ({
      body: { auth: { client_token: `hvs.secret-token-${++logins}`, accessor: `accessor-${logins}`, policies: ['app'], lease_duration: 2, renewable: true } },
    }));
  });
  afterEach(async () => {
    controller.abort();
    await running;
    vault.close();
    await fake.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('logs the token accessor at login, never the token', async () => {
    const auth = start();
    await auth.tokenFor(controller.signal);
    const [login] = lines.filter((line) => line.msg === 'logged in to Vault');
    assert.equal(login?.accessor, 'accessor-1');
    assert.ok(!JSON.stringify(lines).includes('hvs.secret-token'), 'the token is in the log');
  });

  it('plans the renewal from the last success, keeps that plan through failures, and shows a dropped token as ended', async () => {
    // 8 s: the failed renewals and their retries (at about half the time left) all come before the
    // token's last second, where a failure means a new login instead.
    fake.on('POST', LOGIN, { body: { auth: { client_token: 'hvs.secret-token-8s', accessor: 'accessor-8s', policies: ['app'], lease_duration: 8, renewable: true } } });
    fake.queue('POST', RENEW, { status: 503 }, { status: 503 });
    fake.on('POST', RENEW, { status: 403, body: { errors: ['permission denied'] } });
    const auth = start();
    await auth.tokenFor(controller.signal);
    await until(() => auth.timing()?.nextRenewalAt !== undefined, 'a planned renewal');
    const planned = auth.timing()!;
    assert.equal(planned.ttlMs, 8_000);
    // random 0.5: the first renewal after start at 40% of the TTL (the 10–70% start window).
    const loginAt = planned.expiresAt - 8_000;
    assert.ok(Math.abs(planned.nextRenewalAt! - (loginAt + 3_200)) < 50, `planned ${planned.nextRenewalAt! - loginAt} ms after login`);
    await until(() => fake.requestsTo('POST', RENEW).length === 2, 'two failed renewals', 10_000);
    assert.equal(auth.timing()?.nextRenewalAt, planned.nextRenewalAt, 'retries do not move the plan');
    // The third renewal is refused (403): the token is dropped and, until a new login, reads as ended then.
    fake.on('POST', LOGIN, { status: 503 });
    await until(() => fake.requestsTo('POST', RENEW).length === 3 && auth.current() === undefined, 'the token dropped', 10_000);
    const ended = auth.timing();
    assert.ok(ended && ended.expiresAt <= Date.now() && ended.expiresAt > loginAt, 'the dropped token ended when it was dropped');
    assert.equal(ended.nextRenewalAt, planned.nextRenewalAt);
  });

  it('a renewal refused in the token\'s last second (Vault\'s 500 at its max TTL) leads to a login before the token ends, with no gap', async () => {
    fake.on('POST', RENEW, { status: 500, body: { errors: ['1 error occurred:\n\t* past the max TTL, cannot renew\n\n'] } });
    const auth = start();
    const first = await auth.tokenFor(controller.signal);
    const gaps: number[] = [];
    const watch = setInterval(() => {
      if (!auth.current()) gaps.push(Date.now());
    }, 5);
    try {
      await until(() => auth.current() !== undefined && auth.current()!.token !== first, 'a second login', 3_000);
    } finally {
      clearInterval(watch);
    }
    assert.deepEqual(gaps, [], 'never without a usable token');
    assert.ok(fake.requestsTo('POST', RENEW).length >= 1, 'the renewal was tried first');
  });
});
