import assert from 'node:assert/strict';
import { lstat, mkdir, readdir, readFile, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DEMO_POLICY } from '../../src/demo/vault-setup.js';
import { AgentProcess, sample, type LogLine } from '../support/agent-process.js';
import { imageProcess } from '../support/image-runtime.js';
import type { ProxiedRequest } from '../support/fault-proxy.js';
import { until } from '../support/until.js';
import { forEachBackend, type VaultBackend } from '../support/vault-backend.js';
import { startVaultFixture, type VaultFixture } from '../support/vault-fixture.js';

/**
 * The fault matrix of issue "Never the reason an app loses its credentials": one real agent
 * process per row against each backend (the dev server, OpenBao), with the fault switched on and
 * off from the test in the fault proxy in front of it.
 * Each row checks what a user would: the files the app reads, /readyz, /metrics and the logs.
 */

const DB = { name: 'db', kind: 'leased', path: 'database/creds/demo', file: 'db.json' };
const KV = { name: 'app-config', kind: 'kv2', path: 'demo/config', file: 'config.json', refresh_interval: '1s' };
const KV_PATH = 'secret/data/demo/config';
const RETRY_CAP_MS = 2_000;
/** Scheduling and request time on a busy 2-core CI machine, on top of the backoff cap. */
const SLACK_MS = 1_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

interface FileState {
  readonly bytes: Buffer;
  readonly ino: number;
}

async function snapshot(dir: string, files: string[]): Promise<Map<string, FileState>> {
  const states = new Map<string, FileState>();
  for (const file of files) {
    const path = join(dir, file);
    states.set(file, { bytes: await readFile(path), ino: (await lstat(path)).ino });
  }
  return states;
}

/** Same bytes and the same inode: not even rewritten with identical content. */
async function assertUntouched(dir: string, before: Map<string, FileState>): Promise<void> {
  for (const [file, state] of before) {
    const path = join(dir, file);
    assert.ok((await readFile(path)).equals(state.bytes), `${file} changed during the fault`);
    assert.equal((await lstat(path)).ino, state.ino, `${file} was replaced during the fault`);
  }
}

interface ReadyzPoll {
  readonly at: number;
  readonly status: number;
  readonly reasons: string[];
}

/** Polls /readyz every 100 ms, as a kubelet probe would (only more often), until stopped. */
function watchReadyz(url: string): { stop(): Promise<ReadyzPoll[]> } {
  const polls: ReadyzPoll[] = [];
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const at = Date.now();
      const response = await fetch(`${url}/readyz`).catch(() => undefined);
      const body = response ? ((await response.json().catch(() => ({}))) as { reasons?: string[] }) : {};
      polls.push({ at, status: response?.status ?? 0, reasons: body.reasons ?? [] });
      await sleep(100);
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      return polls;
    },
  };
}

function assertAlwaysReady(polls: ReadyzPoll[]): void {
  assert.ok(polls.length >= 10, `only ${polls.length} /readyz polls`);
  const unready = polls.filter((poll) => poll.status !== 200);
  assert.deepEqual(unready, [], '/readyz must stay 200 while every lease is valid');
}

/** The first request on `path` answered with `status` at or after `since` (a held request may have arrived earlier). */
function answered(server: VaultBackend, path: string, status: number, since = 0): ProxiedRequest | undefined {
  return server.requests.find((r) => r.path === path && r.status === status && (r.answeredAt ?? r.at) >= since);
}

async function writeKv(server: VaultBackend, data: Record<string, unknown>): Promise<void> {
  const response = await fetch(`${server.directUrl}/v1/${KV_PATH}`, {
    method: 'POST',
    headers: { 'X-Vault-Token': server.rootToken, 'content-type': 'application/json' },
    body: JSON.stringify({ data }),
  });
  assert.equal(response.status, 200);
}

async function putPolicy(server: VaultBackend, policy: string): Promise<void> {
  const response = await fetch(`${server.directUrl}/v1/sys/policies/acl/demo-app`, {
    method: 'PUT',
    headers: { 'X-Vault-Token': server.rootToken, 'content-type': 'application/json' },
    body: JSON.stringify({ policy }),
  });
  assert.equal(response.status, 204);
}

/** The sum over every series of `name` with these labels (e.g. both `changed` values of a write). */
function metric(text: string, name: string, labels: Record<string, string>): number {
  const matching = text.split('\n').filter((line) => line.startsWith(`${name}{`) && Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`)));
  return matching.reduce((total, line) => total + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}
const logins = (text: string) => metric(text, 'vaultlet_logins_total', { method: 'kubernetes', result: 'success' });
const requestsWith = (text: string, operation: string, status: string) => metric(text, 'vaultlet_vault_requests_total', { operation, status });
const username = async (file: string) => (JSON.parse(await readFile(file, 'utf8')) as { username: string }).username;

/** A warn or error line about `secret` whose error names `file` and matches `reason`. */
function failureLogged(agent: AgentProcess, secret: string, file: string, reason: RegExp): LogLine | undefined {
  return agent.lines.find((line) => {
    const message = (line['error'] as { message?: string } | undefined)?.message ?? '';
    return ['warn', 'error'].includes(String(line.level)) && line['secret'] === secret && message.includes(file) && reason.test(message);
  });
}

/** A fault that comes and goes, applied to every Vault path. */
interface TransientFault {
  readonly row: string;
  /** The `status` label the agent's request metrics must show. */
  readonly status: string;
  on(server: VaultBackend): void | Promise<void>;
  off(server: VaultBackend): void | Promise<void>;
  /** Lease TTL in seconds (default 6). */
  readonly ttlSeconds?: number;
  /** When the fault ends, as a fraction of the lease TTL after issue (default 0.75). */
  readonly until?: number;
  readonly retryAfterSeconds?: number;
  readonly requestTimeout?: string;
}

const injected = (status: number, retryAfterSeconds?: number) => ({
  on(server: VaultBackend) {
    Object.assign(server.faults, { errorStatus: status, errorRate: 1, ...(retryAfterSeconds ? { retryAfterSeconds } : {}) });
  },
  off(server: VaultBackend) {
    server.faults.errorStatus = 0;
    delete server.faults.retryAfterSeconds;
  },
});

const TRANSIENT_FAULTS: TransientFault[] = [
  { row: 'sealed (503)', status: '503', on: (s) => void (s.faults.sealed = true), off: (s) => void (s.faults.sealed = false) },
  // Retry-After 1 s is well above the client's own first retry (≤ 250 ms), so honouring it shows.
  { row: '429 with Retry-After', status: '429', ttlSeconds: 8, retryAfterSeconds: 1, ...injected(429, 1) },
  { row: '500', status: '500', ...injected(500) },
  { row: '502', status: '502', ...injected(502) },
  { row: '412 (index not yet replicated)', status: '412', ...injected(412) },
  { row: 'connection refused', status: 'error', on: (s) => s.refuseConnections(), off: (s) => s.acceptConnections() },
  { row: 'connection reset before an answer', status: 'error', on: (s) => void (s.faults.reset = true), off: (s) => void (s.faults.reset = false) },
  { row: 'a body cut off halfway', status: 'error', on: (s) => void (s.faults.truncate = true), off: (s) => void (s.faults.truncate = false) },
  // The renewal (due at 60–70% of 8 s) must time out before the hang ends at 87.5%.
  {
    row: 'a hanging Vault (request timeout 1s)', status: 'error', ttlSeconds: 8, until: 0.875, requestTimeout: '1s',
    on: (s) => void (s.faults.hang = true), off: (s) => void (s.faults.hang = false),
  },
];

forEachBackend('fault matrix: vaultlet run against a failing Vault and a hostile disk', function (backend) {
  this.timeout(60_000);
  let vault: VaultFixture | undefined;
  let agent: AgentProcess | undefined;

  afterEach(async function () {
    if (agent && this.currentTest?.state === 'failed') console.log(agent.describe());
    await agent?.stop('SIGKILL');
    agent = undefined;
    await vault?.close();
    vault = undefined;
  });

  interface RowOptions {
    ttl?: string;
    maxTtl?: string;
    secrets?: Array<Record<string, unknown>>;
    vaultConfig?: Record<string, unknown>;
    /** Starts the agent some other way (e.g. under a resource limit). */
    spawn?: (config: string) => AgentProcess;
  }

  /** A fresh dev server and a ready agent, retrying fast: backoff cap 2 s, one retry per request. */
  async function startRow(options: RowOptions = {}): Promise<{ vault: VaultFixture; agent: AgentProcess; server: VaultBackend }> {
    vault = await startVaultFixture({ backend, dbDefaultTtl: options.ttl ?? '6s', dbMaxTtl: options.maxTtl ?? '60s' });
    const vaultConfig = { address: vault.backend.url, retry_cap: `${RETRY_CAP_MS / 1000}s`, max_retries: 1, request_timeout: '5s', ...options.vaultConfig };
    const config = await vault.writeConfig(vault.config(options.secrets ?? [DB, KV], { vault: vaultConfig }));
    agent = options.spawn ? options.spawn(config) : AgentProcess.start(['run', '--config', config]);
    await agent.waitReady(15_000);
    return { vault, agent, server: vault.backend };
  }

  for (const fault of TRANSIENT_FAULTS) {
    it(`${fault.row}: files stay, /readyz stays 200, errors are counted, renewals and reads resume within the backoff cap`, async () => {
      const ttlMs = (fault.ttlSeconds ?? 6) * 1000;
      const { vault, agent, server } = await startRow({
        ttl: `${ttlMs / 1000}s`,
        ...(fault.requestTimeout ? { vaultConfig: { request_timeout: fault.requestTimeout } } : {}),
      });
      const issuedAt = answered(server, DB.path, 200)!.at;
      const before = await snapshot(vault.secretsDir, ['db.json', 'config.json']);
      const readyz = watchReadyz(agent.metricsUrl!);
      const faultFrom = Date.now();
      await fault.on(server);
      // The first renewal falls due within 10–70% of the TTL (the fault is on from the start), the
      // next at 60–70% after it: at least one meets the fault.
      await sleep(issuedAt + (fault.until ?? 0.75) * ttlMs - Date.now());
      const during = await agent.metrics();
      await fault.off(server);
      const clearedAt = Date.now();

      assert.ok(requestsWith(during, 'lease_renew', fault.status) >= 1, `no lease_renew with status ${fault.status} in /metrics`);
      assert.ok(requestsWith(during, 'secret_read', fault.status) >= 1, `no secret_read with status ${fault.status} in /metrics`);
      if (fault.retryAfterSeconds) assertRetryAfterHonoured(server, faultFrom, clearedAt, fault.retryAfterSeconds * 1000);

      const recovered = await agent.waitFor('a renewal and a read after the fault', () => {
        const renewal = answered(server, 'sys/leases/renew', 200, clearedAt);
        const read = answered(server, KV_PATH, 200, clearedAt);
        return renewal && read ? { renewal: renewal.answeredAt!, read: read.answeredAt! } : undefined;
      }, 10_000);
      const cap = Math.max(RETRY_CAP_MS, (fault.retryAfterSeconds ?? 0) * 1000) + SLACK_MS;
      assert.ok(recovered.renewal - clearedAt <= cap, `first renewal ${recovered.renewal - clearedAt} ms after the fault cleared`);
      assert.ok(recovered.read - clearedAt <= cap, `first KV read ${recovered.read - clearedAt} ms after the fault cleared`);
      await sleep(300);

      assertAlwaysReady(await readyz.stop());
      await assertUntouched(vault.secretsDir, before);
      const after = await agent.metrics();
      assert.ok(metric(after, 'vaultlet_secret_expiry_seconds', { secret: 'db' }) > 0);
      assert.equal(logins(after), 1, 'a transient fault must not cause a new login');
      assert.equal(server.leasesIssued(DB.path), 1, 'a transient fault must not re-fetch a valid lease');
    });
  }

  /** After every 429, the next request on the same path waits at least the Retry-After. */
  function assertRetryAfterHonoured(server: VaultBackend, from: number, to: number, retryAfterMs: number): void {
    const inWindow = server.requests.filter((r) => r.at >= from && r.at <= to);
    let checked = 0;
    for (const path of new Set(inWindow.map((r) => r.path))) {
      const onPath = inWindow.filter((r) => r.path === path);
      for (let i = 0; i + 1 < onPath.length; i++) {
        if (onPath[i]!.status !== 429) continue;
        const gap = onPath[i + 1]!.at - onPath[i]!.at;
        assert.ok(gap >= retryAfterMs - 20, `${path} was retried ${gap} ms after a 429 with Retry-After ${retryAfterMs / 1000}s`);
        checked++;
      }
    }
    assert.ok(checked >= 2, `only ${checked} retries after a 429 were seen`);
  }

  it('403 after a policy change: one new login however many secrets see it, old files kept, ready throughout, recovery when restored', async () => {
    const KV_ENV = { ...KV, name: 'app-config-env', file: 'config.env', format: 'env' };
    const { vault, agent, server } = await startRow({ secrets: [KV, KV_ENV] });
    const before = await snapshot(vault.secretsDir, ['config.json', 'config.env']);
    // A real login takes a TokenReview round trip; 300 ms makes any "not logged in" gap visible to the probe.
    Object.assign(server.faults, { latencyMs: 300, latencyPathPattern: /^auth\/kubernetes\/login$/ });
    const readyz = watchReadyz(agent.metricsUrl!);
    await putPolicy(server, 'path "database/creds/demo" {\n  capabilities = ["read"]\n}\n');
    const deniedAt = Date.now();
    // Long enough for each secret to be refused a few times under the new policy.
    await agent.waitFor('two denied reads of each secret', () => server.countRequests({ path: KV_PATH, status: 403 }, deniedAt) >= 4, 15_000);
    await sleep(1_000);
    const during = await agent.metrics();
    await putPolicy(server, DEMO_POLICY);
    const restoredAt = Date.now();
    await agent.waitFor('a read after the policy is restored', () => answered(server, KV_PATH, 200, restoredAt), RETRY_CAP_MS + SLACK_MS);
    await sleep(300);
    const polls = await readyz.stop();

    assert.ok(requestsWith(during, 'secret_read', '403') >= 4, 'the denials show in /metrics');
    const denied = server.countRequests({ path: KV_PATH, status: 403 }, deniedAt);
    const newLogins = server.countRequests({ path: 'auth/kubernetes/login', status: 200 }, deniedAt);
    assert.equal(newLogins, 1, `${newLogins} logins after ${denied} denied reads of 2 secrets: a policy denial must cause one new login, not one per secret or per retry`);
    await assertUntouched(vault.secretsDir, before);
    assertAlwaysReady(polls);
  });

  it('token revoked server-side: one new login, the revoked leases are replaced, other files untouched', async () => {
    const { vault, agent, server } = await startRow();
    const dbFile = join(vault.secretsDir, 'db.json');
    const first = await username(dbFile);
    const kvBefore = await snapshot(vault.secretsDir, ['config.json']);
    const accessor = answered(server, DB.path, 200)!.tokenAccessor!;
    const revokedAt = Date.now();
    assert.ok(await server.revokeTokenByAccessor(accessor));
    await until('Vault to revoke the leases with the token', async () => (await server.leaseCount(DB.path)) === 0);

    await agent.waitFor('a new credential', async () => (await username(dbFile)) !== first, 10_000);
    await agent.waitReady(5_000);
    await sleep(1_500);
    const metrics = await agent.metrics();
    assert.ok(requestsWith(metrics, 'secret_read', '403') + requestsWith(metrics, 'lease_renew', '403') >= 1, 'the 403 shows in /metrics');
    assert.equal(server.countRequests({ path: 'auth/kubernetes/login', status: 200 }, revokedAt), 1, 'exactly one new login');
    assert.equal(await server.tokenCount(), 1);
    assert.equal(await server.leaseCount(DB.path), 1, 'one live lease: the replacement');
    await assertUntouched(vault.secretsDir, kvBefore);
  });

  it('lease revoked server-side: the renewal answers 400 and a new credential is written, without a new login', async () => {
    const { vault, agent, server } = await startRow({ ttl: '4s' });
    const dbFile = join(vault.secretsDir, 'db.json');
    const first = await username(dbFile);
    const kvBefore = await snapshot(vault.secretsDir, ['config.json']);
    const [leaseId] = await server.leaseIds(DB.path);
    await server.revokeLease(leaseId!);

    await agent.waitFor('a new credential', async () => (await username(dbFile)) !== first, 10_000);
    // The rotation is counted after the rename and the directory fsync, a moment after the file changes.
    const metrics = await agent.waitFor('the rotation counted', async () => {
      const text = await agent.metrics();
      return metric(text, 'vaultlet_secret_rotations_total', { secret: 'db', result: 'success' }) >= 1 && text;
    }, 3_000);
    assert.ok(requestsWith(metrics, 'lease_renew', '400') >= 1, 'the refused renewal shows in /metrics');
    assert.ok(metric(metrics, 'vaultlet_secret_rotations_total', { secret: 'db', result: 'success' }) >= 1);
    assert.equal(logins(metrics), 1);
    assert.equal(server.leasesIssued(DB.path), 2, 'exactly one replacement lease');
    await agent.waitReady(5_000);
    await assertUntouched(vault.secretsDir, kvBefore);
  });

  it('one failing secret neither delays nor re-fetches the others', async () => {
    const ttlMs = 3_000;
    const { vault, agent, server } = await startRow({ ttl: '3s' });
    const before = await snapshot(vault.secretsDir, ['db.json', 'config.json']);
    const readyz = watchReadyz(agent.metricsUrl!);
    Object.assign(server.faults, { errorStatus: 500, errorRate: 1, errorPathPattern: /^secret\/data\/demo\/config$/ });
    const from = Date.now();
    await sleep(7_000);
    server.faults.errorStatus = 0;

    const issued = answered(server, DB.path, 200)!.at;
    const renewals = server.requests.filter((r) => r.path === 'sys/leases/renew' && r.status === 200).map((r) => r.at);
    assert.ok(renewals.length >= 3, `only ${renewals.length} renewals in 7 s of a 3 s lease`);
    // Each renewal at 60–70% of the TTL after the previous one, plus request time; the first one
    // after start is spread wider (10–70%) so pods started together do not renew together.
    const times = [issued, ...renewals];
    for (let i = 1; i < times.length; i++) {
      const gap = times[i]! - times[i - 1]!;
      const from = i === 1 ? 0.1 : 0.6;
      assert.ok(gap >= from * ttlMs - 50 && gap <= 0.7 * ttlMs + 400, `renewal ${i} came ${gap} ms after the previous one`);
    }
    assert.ok(server.countRequests({ path: KV_PATH, status: 500 }, from) >= 3, 'the failing secret kept retrying');
    assert.equal(server.leasesIssued(DB.path), 1, 'the healthy secret was never re-fetched');
    const metrics = await agent.metrics();
    assert.ok(requestsWith(metrics, 'secret_read', '500') >= 3);
    assert.equal(logins(metrics), 1);
    assertAlwaysReady(await readyz.stop());
    await assertUntouched(vault.secretsDir, before);
  });

  it('an outage shorter than the lease: files untouched, /readyz 200 throughout, renewals resume within the backoff cap', async () => {
    const { vault, agent, server } = await startRow({ ttl: '6s', secrets: [DB] });
    const before = await snapshot(vault.secretsDir, ['db.json']);
    const readyz = watchReadyz(agent.metricsUrl!);
    // The first renewal after start is spread over 10–70% of the TTL; from then on each comes at
    // 60–70%. Down from 1.6 s to 4.6 s after the first renewal: across the next, due at 3.6–4.2 s.
    const renewedAt = (await agent.waitFor('the first renewal', () => answered(server, 'sys/leases/renew', 200), 6_000)).at;
    await sleep(renewedAt + 1_600 - Date.now());
    await server.refuseConnections();
    await sleep(renewedAt + 4_600 - Date.now());
    const during = await agent.metrics();
    await server.acceptConnections();
    const backAt = Date.now();

    assert.ok(requestsWith(during, 'lease_renew', 'error') >= 1, 'the failed renewal shows in /metrics as status="error"');
    const renewal = await agent.waitFor('a renewal after Vault is back', () => answered(server, 'sys/leases/renew', 200, backAt), 10_000);
    assert.ok(renewal.at - backAt <= RETRY_CAP_MS + SLACK_MS, `renewal ${renewal.at - backAt} ms after Vault came back`);
    await sleep(300);
    assertAlwaysReady(await readyz.stop());
    await assertUntouched(vault.secretsDir, before);
    assert.equal(server.leasesIssued(DB.path), 1);
  });

  it('a lease that expires during an outage: /readyz 503 naming the secret, expiry 0, then a new credential and ready again', async () => {
    const { vault, agent, server } = await startRow({ ttl: '3s', maxTtl: '3s', secrets: [DB] });
    const dbFile = join(vault.secretsDir, 'db.json');
    const first = await username(dbFile);
    const issuedAt = answered(server, DB.path, 200)!.at;
    await server.refuseConnections();
    const downAt = Date.now();

    const unready = await agent.waitFor('/readyz 503', async () => {
      const response = await fetch(`${agent.metricsUrl}/readyz`);
      return response.status === 503 ? ((await response.json()) as { reasons: string[] }) : undefined;
    }, 6_000);
    assert.ok(Date.now() >= issuedAt + 3_000 - 100, 'not unready before the lease expired');
    assert.ok(unready.reasons.some((reason) => reason.includes('"db"')), `reasons: ${unready.reasons.join('; ')}`);
    const expired = await agent.metrics();
    assert.equal(sample(expired, 'vaultlet_secret_expiry_seconds', { secret: 'db' }), 0);
    assert.equal(sample(expired, 'vaultlet_ready'), 0);
    await sleep(downAt + 6_000 - Date.now());
    assert.equal(await username(dbFile), first, 'the file is left as it was while Vault is down');
    await server.acceptConnections();

    await agent.waitFor('a new credential', async () => (await username(dbFile)) !== first, RETRY_CAP_MS + SLACK_MS + 2_000);
    await agent.waitReady(3_000);
    assert.ok(metric(await agent.metrics(), 'vaultlet_secret_expiry_seconds', { secret: 'db' }) > 0);
  });

  it('output directory removed while running: a clear error naming the file, keeps running, files come back once it is recreated', async () => {
    const { vault, agent, server } = await startRow({ ttl: '3s', maxTtl: '3s' });
    const dir = vault.secretsDir;
    await rm(dir, { recursive: true });
    await writeKv(server, { api_key: 'written-while-the-directory-is-gone' });

    // Recreating it is the operator's call (mode, owner and mount are theirs): the agent reports
    // and waits. At least 2.5 s: that spans a renewal or rotation of the 3 s lease and the state
    // save that follows it.
    const watchUntil = Date.now() + 2_500;
    await agent.waitFor('errors naming db.json and config.json', async () => {
      const found = await lstat(dir).catch(() => undefined);
      assert.equal(found, undefined, `the agent recreated the removed output directory itself (mode ${found ? (found.mode & 0o777).toString(8) : ''})`);
      const db = failureLogged(agent, 'db', join(dir, 'db.json'), /output directory is missing/);
      const kv = failureLogged(agent, 'app-config', join(dir, 'config.json'), /output directory is missing/);
      return db && kv && Date.now() >= watchUntil;
    }, 10_000);
    assert.equal(agent.exitCode, null, 'the agent keeps running');
    assert.equal((await fetch(`${agent.metricsUrl}/healthz`)).status, 200);
    assert.ok(metric(await agent.metrics(), 'vaultlet_secret_writes_total', { secret: 'app-config', result: 'failure' }) >= 1);

    await mkdir(dir);
    await agent.waitFor('both files back, config.json with the version written meanwhile', async () => {
      const names = await readdir(dir);
      if (!names.includes('db.json') || !names.includes('config.json')) return false;
      return JSON.parse(await readFile(join(dir, 'config.json'), 'utf8')).api_key === 'written-while-the-directory-is-gone';
    }, RETRY_CAP_MS + SLACK_MS + 3_000);
    await agent.waitReady(5_000);
  });

  it('a symlink planted at a secret file: not written through, target untouched, error in logs and metrics', async () => {
    const { vault, agent, server } = await startRow({ secrets: [KV] });
    const link = join(vault.secretsDir, 'config.json');
    const victim = join(vault.base, 'victim.txt');
    await writeFile(victim, 'must not be overwritten\n');
    await rm(link);
    await symlink(victim, link);
    await writeKv(server, { api_key: 'new-version-after-the-link-was-planted' });

    await agent.waitFor('a refusal in the logs', () => failureLogged(agent, 'app-config', link, /symlink/), 10_000);
    await agent.waitFor('the failure in /metrics', async () =>
      metric(await agent.metrics(), 'vaultlet_secret_writes_total', { secret: 'app-config', result: 'failure' }) >= 1, 5_000);
    assert.equal(await readFile(victim, 'utf8'), 'must not be overwritten\n');
    assert.ok((await lstat(link)).isSymbolicLink(), 'the link is left for an operator to inspect');
    assert.equal(await readlink(link), victim);
    assert.equal(agent.exitCode, null);
  });

  it('a write the filesystem refuses (EFBIG under ulimit -f, standing in for ENOSPC): old file kept, clear error, recovers', async () => {
    // dash counts `ulimit -f` in 512-byte blocks: the agent may write files of up to 512 bytes.
    const underLimit = (config: string) => {
      const agent = imageProcess(['run', '--config', config]);
      return AgentProcess.spawn('/bin/sh', ['-c', 'ulimit -f 1; exec "$0" "$@"', agent.command, ...agent.args]);
    };
    const { vault, agent, server } = await startRow({ secrets: [KV], spawn: underLimit });
    const file = join(vault.secretsDir, 'config.json');
    const before = await snapshot(vault.secretsDir, ['config.json']);
    await writeKv(server, { api_key: 'x'.repeat(4096) });

    await agent.waitFor('a clear error', () => failureLogged(agent, 'app-config', file, /EFBIG/), 10_000);
    assert.equal(agent.exitCode, null, 'the agent survives the refused write');
    await assertUntouched(vault.secretsDir, before);
    assert.deepEqual((await readdir(vault.secretsDir)).filter((name) => name.includes('.tmp-')), [], 'the partial temp file is removed');
    assert.ok(metric(await agent.metrics(), 'vaultlet_secret_writes_total', { secret: 'app-config', result: 'failure' }) >= 1);

    await writeKv(server, { api_key: 'small-again' });
    await agent.waitFor('the small version written', async () => JSON.parse(await readFile(file, 'utf8')).api_key === 'small-again', RETRY_CAP_MS + SLACK_MS + 2_000);
  });
});
