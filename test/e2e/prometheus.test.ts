import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { AgentProcess, sample } from '../support/agent-process.js';
import { runPromtool, startPrometheus, type PrometheusServer } from '../support/prometheus.js';
import { forEachBackend } from '../support/vault-backend.js';
import { startVaultFixture, type VaultFixture } from '../support/vault-fixture.js';
import { concreteQuery, dashboardQueries } from '../deploy-monitoring/dashboard-queries.js';
import { recordedNames, RULES_PATH, SHIPPED_ALERTS } from '../deploy-monitoring/rules-file.js';

const SECRETS = [
  { name: 'db', kind: 'leased', path: 'database/creds/demo', file: 'db.json' },
  // `true` stands in for the app's reload command: the action panels need a run to show.
  { name: 'app-config', kind: 'kv2', path: 'demo/config', file: 'config.json', refresh_interval: '1s', on_change: [{ command: ['true'] }] },
];

/** The one value of an instant query that must match exactly one series. */
async function single(prometheus: PrometheusServer, expr: string): Promise<number> {
  const result = await prometheus.query(expr);
  assert.equal(result.length, 1, `${expr}: ${JSON.stringify(result)}`);
  return result[0]!.value;
}

forEachBackend('a real Prometheus server scraping a running agent', function (backend) {
  this.timeout(60_000);
  let vault: VaultFixture;
  let agent: AgentProcess | undefined;
  let prometheus: PrometheusServer | undefined;
  let target: string;

  before(async () => {
    // 3 s leases renewed at about 2/3 of their TTL: a renewal every ~2 s, capped only after a minute.
    vault = await startVaultFixture({ backend, dbDefaultTtl: '3s', dbMaxTtl: '60s' });
    const config = vault.config(SECRETS, { read_endpoint: { host: '127.0.0.1', port: 0 }, actions: { debounce: '100ms' } });
    agent = AgentProcess.start(['run', '--config', await vault.writeConfig(config)]);
    target = new URL(await agent.waitReady()).host;
    prometheus = await startPrometheus({ targets: [target], ruleFiles: [RULES_PATH] });
  });
  after(async function () {
    if (this.currentTest?.state === 'failed' || (this.test?.parent?.tests ?? []).some((t) => t.state === 'failed')) {
      console.log(agent?.describe());
      console.log(prometheus?.describe());
    }
    await prometheus?.close();
    await agent?.stop('SIGKILL');
    await vault?.close();
  });

  it('serves /metrics that promtool check metrics finds clean', async () => {
    const result = await runPromtool(['check', 'metrics'], { stdin: await agent!.metrics() });
    assert.equal(result.stdout + result.stderr, '', 'promtool lint findings');
    assert.equal(result.code, 0);
  });

  it('sees the agent as an up target', async () => {
    const p = prometheus!;
    await p.waitFor('a successful scrape', async () => (await p.query('up{job="vaultlet"} == 1')).length === 1);
    const { activeTargets } = await p.api<{ activeTargets: Array<{ scrapeUrl: string; health: string; lastError: string }> }>('targets');
    assert.equal(activeTargets.length, 1);
    assert.equal(activeTargets[0]!.scrapeUrl, `http://${target}/metrics`);
    assert.equal(activeTargets[0]!.health, 'up');
    assert.equal(activeTargets[0]!.lastError, '');
  });

  it('stores the lease time left, readiness and the one login the test caused', async () => {
    const p = prometheus!;
    await p.waitFor('the expiry series', async () => (await p.query('vaultlet_secret_expiry_seconds')).length > 0);
    const [expiry] = await p.query('vaultlet_secret_expiry_seconds{job="vaultlet"}');
    assert.equal(expiry?.metric.secret, 'db', 'only the leased secret has an expiry; kv v2 never expires');
    assert.equal(expiry.metric.instance, target);
    assert.ok(expiry.value > 0 && expiry.value <= 3, `db expires in ${expiry.value}s, expected within its 3 s lease`);
    assert.equal(await single(p, 'vaultlet_ready'), 1);
    assert.equal(await single(p, 'vaultlet_logins_total{method="kubernetes",result="success"}'), 1);
    const write = await single(p, 'vaultlet_secret_last_write_timestamp_seconds{secret="app-config"}');
    assert.ok(Math.abs(write - Date.now() / 1000) < 60, `app-config written at ${write}`);
  });

  it('sees the renewal counter rise as the agent renews the short lease', async () => {
    const p = prometheus!;
    const renewals = 'vaultlet_secret_renewals_total{secret="db",result="success"}';
    const before = await single(p, renewals);
    const after = await p.waitFor('two more renewals in Prometheus', async () => {
      const now = await single(p, renewals);
      return now >= before + 2 ? now : undefined;
    }, 15_000);
    assert.ok((sample(await agent!.metrics(), 'vaultlet_secret_renewals_total', { secret: 'db', result: 'success' }) ?? 0) >= after);
    assert.ok((await single(p, `increase(${renewals}[15s])`)) > 0);
    assert.equal(await single(p, 'vaultlet_secret_renewals_total{secret="db",result="failure"}'), 0);
    const [left] = await p.query('vaultlet_secret_expiry_seconds{secret="db"}');
    assert.ok(left && left.value > 0, 'renewals keep the lease alive');
  });

  it('loads the shipped alert rules, evaluates them without errors, and a healthy agent raises none', async () => {
    const p = prometheus!;
    type Groups = { groups: Array<{ name: string; rules: Array<{ name: string; type: string; health: string; lastError?: string; evaluationTime: number }> }> };
    const evaluated = await p.waitFor('two rule evaluations', async () => {
      const { groups } = await p.api<Groups>('rules');
      const rules = groups.flatMap((g) => g.rules);
      return rules.length > 0 && rules.every((r) => r.health === 'ok') ? rules : undefined;
    });
    assert.deepEqual(evaluated.filter((r) => r.type === 'alerting').map((r) => r.name), SHIPPED_ALERTS);
    assert.deepEqual(evaluated.filter((r) => r.type === 'recording').map((r) => r.name), recordedNames());
    for (const rule of evaluated) assert.ok(!rule.lastError, `${rule.name}: ${rule.lastError}`);
    // A 3 s lease renewed every 2 s has a 1 s renewal margin: only renewals on time, judged at
    // each scrape's own time, keep the margin alerts quiet.
    const [margin] = await p.query('vaultlet_secret:margin_used:ratio{secret="db"}');
    assert.ok(margin && margin.value < 0.25, `db's renewal margin used: ${margin?.value}`);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    assert.deepEqual(await p.query('ALERTS'), [], 'no alert pending or firing');
  });

  it('records a read of a secret file by another process as the app having read it', async () => {
    const p = prometheus!;
    // Both files were written at start and nobody has read them: the tracker (atime, relatime /tmp) says so.
    await p.waitFor('the access series', async () => (await p.query('vaultlet_secret_app_read')).length === 2);
    assert.equal(await single(p, 'vaultlet_secret_app_read{secret="app-config"}'), 0);
    // The app reads config.json, once, as a separate process; db.json stays unread. (db's 3 s lease
    // is renewed, not rewritten, so its version and its unread state stay as they are.)
    execFileSync('cat', [join(vault.secretsDir, 'config.json')], { stdio: 'ignore' });
    // The agent notices at its next atime poll (every 5 s), Prometheus at the next scrape (1 s).
    await p.waitFor('app-config read in Prometheus', async () => (await p.query('vaultlet_secret_app_read{secret="app-config"} == 1')).length === 1, 10_000);
    assert.equal(await single(p, 'vaultlet_secret_app_read{secret="db"}'), 0);
    assert.equal(await single(p, 'vaultlet_secret_unread_seconds{secret="app-config"}'), 0);
    const waiting = await single(p, 'vaultlet_secret_unread_seconds{secret="db"}');
    assert.ok(waiting >= 5 && waiting < 60, `db has waited ${waiting}s to be read`);
    const delay = await single(p, 'vaultlet_secret_app_read_delay_seconds{secret="app-config"}');
    assert.ok(delay > 0 && delay < 60, `app-config read ${delay}s after its write`);
    assert.deepEqual((await p.query('vaultlet_secret_app_read_delay_seconds')).map((s) => s.metric.secret), ['app-config'], 'no read delay for an unread file');
  });

  it('answers every dashboard query with data from the agent', async () => {
    const p = prometheus!;
    // What the action and read-endpoint panels show: a new KV version (its on-change command
    // runs), an exact read through the endpoint, and a request for a file that does not exist.
    const written = await fetch(`${vault.backend.directUrl}/v1/secret/data/demo/config`, {
      method: 'POST',
      headers: { 'X-Vault-Token': vault.backend.rootToken, 'content-type': 'application/json' },
      body: JSON.stringify({ data: { api_key: 'a-newer-key' } }),
    });
    assert.equal(written.status, 200);
    const endpoint = String((await agent!.waitForLog('serving the files on the read endpoint')).url);
    assert.equal((await fetch(`${endpoint}/v1/files/db.json`)).status, 200);
    assert.equal((await fetch(`${endpoint}/v1/files/nope.json`)).status, 404);
    // The app reads the new version (its read delay series comes back at the next atime poll).
    await agent!.waitForLog(/secret rotated/);
    execFileSync('cat', [join(vault.secretsDir, 'config.json')], { stdio: 'ignore' });
    // increase() and rate() need two samples of a series inside their window.
    await p.waitFor('the action, endpoint and read-delay series', async () =>
      (await p.query('increase(vaultlet_action_runs_total{result="success"}[10s])')).length === 1 &&
      (await p.query('rate(vaultlet_action_duration_seconds_bucket[10s])')).length > 0 &&
      (await p.query('increase(vaultlet_file_endpoint_refused_total[10s])')).length === 1 &&
      (await p.query('vaultlet_secret_app_read_delay_seconds{secret="app-config"}')).length === 1, 20_000);
    const empty: string[] = [];
    for (const query of dashboardQueries()) {
      if (query.where.startsWith('variable')) continue;
      const result = await p.query(concreteQuery(query.expr, '10s'));
      if (result.length === 0) empty.push(`${query.where}: ${query.expr}`);
    }
    assert.deepEqual(empty, []);
    // The variables as Grafana asks for them: label values of the matching series. This static
    // scrape config has no namespace or pod labels (a PodMonitor adds both); "All" (.*) still
    // matches, which is why every query above answered.
    assert.deepEqual(await p.api<string[]>(`label/namespace/values?match[]=${encodeURIComponent('vaultlet_build_info')}`), []);
    const labelled = await p.query('vaultlet_build_info{namespace=~".*", pod=~".*"}');
    assert.deepEqual(labelled.map((s) => s.metric.instance), [target]);
  });
});
