import assert from 'node:assert/strict';
import type { Registry } from 'prom-client';
import { createRegistry } from '../../src/metrics/registry.js';
import { PrometheusRecorder } from '../../src/metrics/prometheus-recorder.js';
import type { FileSnapshot, SecretSnapshot, TokenSnapshot } from '../../src/metrics/recorder.js';

const T0 = Date.UTC(2025, 0, 1);

/** A recorder over a process-metric-free registry with state the test can change between scrapes. */
function setup() {
  const state = {
    secrets: [] as SecretSnapshot[],
    files: [] as FileSnapshot[],
    token: undefined as TokenSnapshot | undefined,
    ready: false,
    now: T0,
  };
  const registry: Registry = createRegistry({ processMetrics: false });
  const recorder = new PrometheusRecorder({
    registry,
    secrets: () => state.secrets,
    files: () => state.files,
    token: () => state.token,
    ready: () => state.ready,
    now: () => state.now,
    version: '1.2.3',
  });
  const scrape = async (): Promise<string[]> => (await registry.metrics()).split('\n');
  return { state, registry, recorder, scrape };
}

/** Sample lines (not comments) of one metric family. */
function samples(lines: string[], name: string): string[] {
  return lines.filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));
}

const METRICS: Array<[string, string]> = [
  ['vaultlet_logins_total', 'counter'],
  ['vaultlet_token_renewals_total', 'counter'],
  ['vaultlet_token_expiry_seconds', 'gauge'],
  ['vaultlet_token_expiry_timestamp_seconds', 'gauge'],
  ['vaultlet_token_ttl_seconds', 'gauge'],
  ['vaultlet_token_next_renewal_timestamp_seconds', 'gauge'],
  ['vaultlet_vault_requests_total', 'counter'],
  ['vaultlet_vault_request_duration_seconds', 'histogram'],
  ['vaultlet_secret_renewals_total', 'counter'],
  ['vaultlet_secret_reads_total', 'counter'],
  ['vaultlet_secret_rotations_total', 'counter'],
  ['vaultlet_secret_writes_total', 'counter'],
  ['vaultlet_secret_expiry_seconds', 'gauge'],
  ['vaultlet_secret_expiry_timestamp_seconds', 'gauge'],
  ['vaultlet_secret_lease_ttl_seconds', 'gauge'],
  ['vaultlet_secret_next_refresh_timestamp_seconds', 'gauge'],
  ['vaultlet_secret_last_success_timestamp_seconds', 'gauge'],
  ['vaultlet_secret_consecutive_failures', 'gauge'],
  ['vaultlet_secret_last_write_timestamp_seconds', 'gauge'],
  ['vaultlet_secret_app_read', 'gauge'],
  ['vaultlet_secret_app_read_delay_seconds', 'gauge'],
  ['vaultlet_secret_unread_seconds', 'gauge'],
  ['vaultlet_file_up_to_date', 'gauge'],
  ['vaultlet_action_runs_total', 'counter'],
  ['vaultlet_action_duration_seconds', 'histogram'],
  ['vaultlet_file_endpoint_reads_total', 'counter'],
  ['vaultlet_file_endpoint_last_read_timestamp_seconds', 'gauge'],
  ['vaultlet_file_endpoint_refused_total', 'counter'],
  ['vaultlet_config_reloads_total', 'counter'],
  ['vaultlet_config_last_reload_success_timestamp_seconds', 'gauge'],
  ['vaultlet_config_last_reload_successful', 'gauge'],
  ['vaultlet_ready', 'gauge'],
  ['vaultlet_build_info', 'gauge'],
];

describe('PrometheusRecorder', () => {
  it('exposes HELP and TYPE for every metric, and nothing outside vaultlet_*', async () => {
    const { scrape } = setup();
    const lines = await scrape();
    for (const [name, type] of METRICS) {
      assert.ok(lines.some((l) => l.startsWith(`# HELP ${name} `) && l.length > `# HELP ${name} `.length), name);
      assert.ok(lines.includes(`# TYPE ${name} ${type}`), `${name} ${type}`);
    }
    const families = lines.filter((l) => l.startsWith('# TYPE ')).map((l) => l.split(' ')[2]);
    assert.deepEqual(families.sort(), METRICS.map(([n]) => n).sort());
  });

  it('counts action runs, endpoint reads and refusals, and config reloads', async () => {
    const { recorder, scrape, state } = setup();
    assert.deepEqual(samples(await scrape(), 'vaultlet_config_reloads_total').sort(), [
      'vaultlet_config_reloads_total{result="failure"} 0',
      'vaultlet_config_reloads_total{result="success"} 0',
    ]);
    recorder.actionRan('signal:nginx', 'not_found', 0.002);
    recorder.fileRead('db.json', 'ok');
    recorder.fileRead('db.json', 'not_modified');
    recorder.requestRefused('forbidden');
    state.now += 60_000;
    assert.deepEqual(samples(await scrape(), 'vaultlet_config_last_reload_successful'), ['vaultlet_config_last_reload_successful 1'], 'the config loaded at start counts');
    recorder.configReloaded('success');
    recorder.configReloaded('failure');
    const lines = await scrape();
    assert.deepEqual(samples(lines, 'vaultlet_config_last_reload_successful'), ['vaultlet_config_last_reload_successful 0']);
    assert.deepEqual(samples(lines, 'vaultlet_action_runs_total'), ['vaultlet_action_runs_total{action="signal:nginx",result="not_found"} 1']);
    assert.deepEqual(samples(lines, 'vaultlet_file_endpoint_reads_total').sort(), [
      'vaultlet_file_endpoint_reads_total{file="db.json",result="not_modified"} 1',
      'vaultlet_file_endpoint_reads_total{file="db.json",result="ok"} 1',
    ]);
    assert.deepEqual(samples(lines, 'vaultlet_file_endpoint_refused_total'), ['vaultlet_file_endpoint_refused_total{reason="forbidden"} 1']);
    assert.deepEqual(samples(lines, 'vaultlet_config_last_reload_success_timestamp_seconds'), [`vaultlet_config_last_reload_success_timestamp_seconds ${state.now / 1000}`]);
  });

  it('counts logins by method and result, with the other result at 0', async () => {
    const { recorder, scrape } = setup();
    recorder.loginAttempted('kubernetes', 'success');
    recorder.loginAttempted('kubernetes', 'success');
    recorder.loginAttempted('approle', 'failure');
    assert.deepEqual(samples(await scrape(), 'vaultlet_logins_total').sort(), [
      'vaultlet_logins_total{method="approle",result="failure"} 1',
      'vaultlet_logins_total{method="approle",result="success"} 0',
      'vaultlet_logins_total{method="kubernetes",result="failure"} 0',
      'vaultlet_logins_total{method="kubernetes",result="success"} 2',
    ]);
  });

  it('counts token renewals, both results present from the start', async () => {
    const { recorder, scrape } = setup();
    assert.deepEqual(samples(await scrape(), 'vaultlet_token_renewals_total'), [
      'vaultlet_token_renewals_total{result="success"} 0',
      'vaultlet_token_renewals_total{result="failure"} 0',
    ]);
    recorder.tokenRenewed('failure');
    assert.ok((await scrape()).includes('vaultlet_token_renewals_total{result="failure"} 1'));
  });

  it('computes token expiry at scrape time: absent, counting down, clamped, +Inf', async () => {
    const { state, scrape } = setup();
    assert.deepEqual(samples(await scrape(), 'vaultlet_token_expiry_seconds'), []);
    state.token = { expiresAt: T0 + 3_600_000 };
    assert.deepEqual(samples(await scrape(), 'vaultlet_token_expiry_seconds'), ['vaultlet_token_expiry_seconds 3600']);
    state.now = T0 + 3_000_000;
    assert.deepEqual(samples(await scrape(), 'vaultlet_token_expiry_seconds'), ['vaultlet_token_expiry_seconds 600']);
    state.now = T0 + 4_000_000;
    assert.deepEqual(samples(await scrape(), 'vaultlet_token_expiry_seconds'), ['vaultlet_token_expiry_seconds 0']);
    state.token = { expiresAt: Infinity };
    assert.deepEqual(samples(await scrape(), 'vaultlet_token_expiry_seconds'), ['vaultlet_token_expiry_seconds +Inf']);
    state.token = undefined;
    assert.deepEqual(samples(await scrape(), 'vaultlet_token_expiry_seconds'), []);
  });

  it('counts Vault requests by operation and status, "error" when no answer came', async () => {
    const { recorder, scrape } = setup();
    recorder.vaultRequest('secret_read', 200, 0.003);
    recorder.vaultRequest('secret_read', 200, 0.02);
    recorder.vaultRequest('lease_renew', 403, 0.04);
    recorder.vaultRequest('login', 0, 7);
    assert.deepEqual(samples(await scrape(), 'vaultlet_vault_requests_total').sort(), [
      'vaultlet_vault_requests_total{operation="lease_renew",status="403"} 1',
      'vaultlet_vault_requests_total{operation="login",status="error"} 1',
      'vaultlet_vault_requests_total{operation="secret_read",status="200"} 2',
    ]);
  });

  it('observes request durations in buckets from 5 ms to 10 s', async () => {
    const { recorder, scrape } = setup();
    recorder.vaultRequest('secret_read', 200, 0.003);
    recorder.vaultRequest('secret_read', 200, 0.02);
    recorder.vaultRequest('secret_read', 503, 12);
    const lines = samples(await scrape(), 'vaultlet_vault_request_duration_seconds_bucket');
    const les = lines.map((l) => /le="([^"]+)"/.exec(l)![1]);
    assert.deepEqual(les, ['0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '5', '10', '+Inf']);
    assert.ok(lines.includes('vaultlet_vault_request_duration_seconds_bucket{le="0.005",operation="secret_read"} 1'));
    assert.ok(lines.includes('vaultlet_vault_request_duration_seconds_bucket{le="0.025",operation="secret_read"} 2'));
    assert.ok(lines.includes('vaultlet_vault_request_duration_seconds_bucket{le="10",operation="secret_read"} 2'));
    assert.ok(lines.includes('vaultlet_vault_request_duration_seconds_bucket{le="+Inf",operation="secret_read"} 3'));
    assert.ok((await scrape()).includes('vaultlet_vault_request_duration_seconds_count{operation="secret_read"} 3'));
  });

  it('zero-initialises every counter series of a declared secret', async () => {
    const { recorder, scrape } = setup();
    recorder.declareSecret('db', 'database');
    const lines = await scrape();
    assert.deepEqual(samples(lines, 'vaultlet_secret_renewals_total'), [
      'vaultlet_secret_renewals_total{secret="db",result="success"} 0',
      'vaultlet_secret_renewals_total{secret="db",result="failure"} 0',
    ]);
    assert.deepEqual(samples(lines, 'vaultlet_secret_reads_total'), [
      'vaultlet_secret_reads_total{secret="db",result="success"} 0',
      'vaultlet_secret_reads_total{secret="db",result="failure"} 0',
    ]);
    assert.deepEqual(samples(lines, 'vaultlet_secret_rotations_total'), [
      'vaultlet_secret_rotations_total{secret="db",result="success"} 0',
      'vaultlet_secret_rotations_total{secret="db",result="failure"} 0',
    ]);
    // A failed write changes nothing, so there is no "failure, changed" series that could never move.
    assert.deepEqual(samples(lines, 'vaultlet_secret_writes_total'), [
      'vaultlet_secret_writes_total{secret="db",result="changed"} 0',
      'vaultlet_secret_writes_total{secret="db",result="unchanged"} 0',
      'vaultlet_secret_writes_total{secret="db",result="failure"} 0',
    ]);
  });

  it('counts renewals, reads, rotations and writes per secret', async () => {
    const { recorder, scrape } = setup();
    recorder.declareSecret('db', 'database');
    recorder.secretRenewed('db', 'success');
    recorder.secretRenewed('db', 'success');
    recorder.secretRead('db', 'failure');
    recorder.secretRead('db', 'success');
    recorder.secretRotated('db', 'failure');
    recorder.secretWritten('db', 'success', true);
    recorder.secretWritten('db', 'success', false);
    recorder.secretWritten('db', 'success', false);
    recorder.secretWritten('api', 'failure', false);
    const lines = await scrape();
    for (const line of [
      'vaultlet_secret_renewals_total{secret="db",result="success"} 2',
      'vaultlet_secret_reads_total{secret="db",result="success"} 1',
      'vaultlet_secret_reads_total{secret="db",result="failure"} 1',
      'vaultlet_secret_rotations_total{secret="db",result="failure"} 1',
      'vaultlet_secret_rotations_total{secret="db",result="success"} 0',
      'vaultlet_secret_writes_total{secret="db",result="changed"} 1',
      'vaultlet_secret_writes_total{secret="db",result="unchanged"} 2',
      'vaultlet_secret_writes_total{secret="api",result="failure"} 1',
    ]) {
      assert.ok(lines.includes(line), line);
    }
  });

  it('computes secret expiry at scrape time without any recorder call, clamped at 0', async () => {
    const { state, scrape } = setup();
    state.secrets = [
      { name: 'db', engine: 'database', expiresAt: T0 + 90_000 },
      { name: 'aws', engine: 'aws', expiresAt: T0 + 30_000 },
    ];
    assert.deepEqual(samples(await scrape(), 'vaultlet_secret_expiry_seconds'), [
      'vaultlet_secret_expiry_seconds{secret="db",engine="database"} 90',
      'vaultlet_secret_expiry_seconds{secret="aws",engine="aws"} 30',
    ]);
    state.now = T0 + 60_500;
    assert.deepEqual(samples(await scrape(), 'vaultlet_secret_expiry_seconds'), [
      'vaultlet_secret_expiry_seconds{secret="db",engine="database"} 29.5',
      'vaultlet_secret_expiry_seconds{secret="aws",engine="aws"} 0',
    ]);
  });

  it('omits unleased secrets from the expiry gauge and drops removed secrets', async () => {
    const { state, scrape } = setup();
    state.secrets = [
      { name: 'db', engine: 'database', expiresAt: T0 + 10_000 },
      { name: 'app', engine: 'kv-v2', expiresAt: Infinity },
    ];
    assert.deepEqual(samples(await scrape(), 'vaultlet_secret_expiry_seconds'), [
      'vaultlet_secret_expiry_seconds{secret="db",engine="database"} 10',
    ]);
    state.secrets = [{ name: 'app', engine: 'kv-v2', expiresAt: Infinity }];
    assert.deepEqual(samples(await scrape(), 'vaultlet_secret_expiry_seconds'), []);
  });

  it('reports the last write time only after the first write, and forgets removed secrets', async () => {
    const { state, scrape } = setup();
    state.secrets = [
      { name: 'db', engine: 'database', expiresAt: T0 + 10_000 },
      { name: 'app', engine: 'kv-v2', expiresAt: Infinity, lastWriteAt: T0 - 1500 },
    ];
    const expected = `vaultlet_secret_last_write_timestamp_seconds{secret="app"} ${(T0 - 1500) / 1000}`;
    assert.deepEqual(samples(await scrape(), 'vaultlet_secret_last_write_timestamp_seconds'), [expected]);
    state.secrets = [{ name: 'db', engine: 'database', expiresAt: T0 + 10_000 }];
    assert.deepEqual(samples(await scrape(), 'vaultlet_secret_last_write_timestamp_seconds'), []);
  });

  it('gives alerts the lease in fractions: expiry and planned refresh as timestamps, the granted TTL', async () => {
    const { state, scrape } = setup();
    state.secrets = [
      { name: 'db', engine: 'leased', expiresAt: T0 + 3_600_000, ttlMs: 3_600_000, nextRefreshAt: T0 + 2_400_000, lastSuccessAt: T0, consecutiveFailures: 0 },
      { name: 'app', engine: 'kv2', expiresAt: Infinity, nextRefreshAt: T0 + 300_000, lastSuccessAt: T0 - 5_000, consecutiveFailures: 2 },
      { name: 'new', engine: 'kv2', expiresAt: 0 },
    ];
    state.now = T0 + 60_000;
    const lines = await scrape();
    assert.deepEqual(samples(lines, 'vaultlet_secret_expiry_timestamp_seconds'), [`vaultlet_secret_expiry_timestamp_seconds{secret="db",engine="leased"} ${T0 / 1000 + 3600}`]);
    // A secret not written yet (expiresAt 0) has no lease to time: no 1970 expiry that would page.
    assert.deepEqual(samples(lines, 'vaultlet_secret_lease_ttl_seconds'), ['vaultlet_secret_lease_ttl_seconds{secret="db",engine="leased"} 3600']);
    assert.deepEqual(samples(lines, 'vaultlet_secret_next_refresh_timestamp_seconds'), [
      `vaultlet_secret_next_refresh_timestamp_seconds{secret="db",engine="leased"} ${T0 / 1000 + 2400}`,
      `vaultlet_secret_next_refresh_timestamp_seconds{secret="app",engine="kv2"} ${T0 / 1000 + 300}`,
    ]);
    assert.deepEqual(samples(lines, 'vaultlet_secret_last_success_timestamp_seconds'), [
      `vaultlet_secret_last_success_timestamp_seconds{secret="db"} ${T0 / 1000}`,
      `vaultlet_secret_last_success_timestamp_seconds{secret="app"} ${T0 / 1000 - 5}`,
    ]);
    assert.deepEqual(samples(lines, 'vaultlet_secret_consecutive_failures'), [
      'vaultlet_secret_consecutive_failures{secret="db"} 0',
      'vaultlet_secret_consecutive_failures{secret="app"} 2',
      'vaultlet_secret_consecutive_failures{secret="new"} 0',
    ]);
  });

  it("gives the token's expiry, granted TTL and planned renewal; none for a token that never expires", async () => {
    const { state, scrape } = setup();
    const tokenLines = async () => (await scrape()).filter((l) => /^vaultlet_token_(expiry_timestamp|ttl|next_renewal_timestamp)_seconds /.test(l));
    assert.deepEqual(await tokenLines(), []);
    state.token = { expiresAt: T0 + 3_600_000, ttlMs: 3_600_000, nextRenewalAt: T0 + 2_400_000 };
    assert.deepEqual(await tokenLines(), [
      `vaultlet_token_expiry_timestamp_seconds ${T0 / 1000 + 3600}`,
      'vaultlet_token_ttl_seconds 3600',
      `vaultlet_token_next_renewal_timestamp_seconds ${T0 / 1000 + 2400}`,
    ]);
    state.token = { expiresAt: Infinity, ttlMs: 0 };
    assert.deepEqual(await tokenLines(), []);
  });

  it('reports readiness as read at scrape time', async () => {
    const { state, scrape } = setup();
    assert.deepEqual(samples(await scrape(), 'vaultlet_ready'), ['vaultlet_ready 0']);
    state.ready = true;
    assert.deepEqual(samples(await scrape(), 'vaultlet_ready'), ['vaultlet_ready 1']);
  });

  it('reports build info as 1 with the version and Node version', async () => {
    const { scrape } = setup();
    assert.deepEqual(samples(await scrape(), 'vaultlet_build_info'), [
      `vaultlet_build_info{version="1.2.3",node_version="${process.version}"} 1`,
    ]);
  });

  it('never uses a label value other than the names it was given', async () => {
    const { state, recorder, scrape } = setup();
    state.token = { expiresAt: T0 + 1000 };
    state.secrets = [{ name: 'db', engine: 'database', expiresAt: T0 + 5000, lastWriteAt: T0 }];
    recorder.declareSecret('db', 'database');
    recorder.loginAttempted('kubernetes', 'success');
    recorder.tokenRenewed('success');
    recorder.vaultRequest('lease_renew', 200, 0.01);
    recorder.vaultRequest('lease_renew', 0, 0.01);
    recorder.secretRenewed('db', 'success');
    recorder.secretRotated('db', 'success');
    recorder.secretWritten('db', 'success', true);
    const allowed = new Set([
      'db', 'database', 'kubernetes', 'lease_renew', 'success', 'failure', 'changed', 'unchanged', '200', 'error',
      '1.2.3', process.version,
      '0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '5', '10', '+Inf',
    ]);
    const values = (await scrape())
      .filter((l) => !l.startsWith('#'))
      .flatMap((l) => [...l.matchAll(/="([^"]*)"/g)].map((m) => m[1]!));
    assert.ok(values.length > 20);
    for (const value of values) assert.ok(allowed.has(value), `unexpected label value ${value}`);
  });
});
