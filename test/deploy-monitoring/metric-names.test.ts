import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { AgentProcess } from '../support/agent-process.js';
import { startVaultFixture, type VaultFixture } from '../support/vault-fixture.js';
import { dashboardQueries } from './dashboard-queries.js';
import { exportedNames, metricNames } from './promql-names.js';
import { EXTERNAL_SERIES, loadRules, recordedNames } from './rules-file.js';

/** Names used but not exported, as "where: name" lines; empty when everything is real. */
function missing(queries: ReadonlyArray<{ where: string; expr: string }>, exported: Set<string>): string[] {
  return queries.flatMap((query) => metricNames(query.expr).filter((name) => !exported.has(name)).map((name) => `${query.where}: ${name}`));
}

/** The metrics the agent only exports once something happened: an action ran, the app read a file. */
const EVENT_METRICS = [
  'vaultlet_secret_app_read_delay_seconds{',
  'vaultlet_action_runs_total{',
  'vaultlet_action_duration_seconds_bucket{',
  'vaultlet_file_endpoint_reads_total{',
  'vaultlet_file_endpoint_last_read_timestamp_seconds{',
  'vaultlet_file_endpoint_refused_total{',
];

describe('dashboard and alert rules against what a running agent exports', function () {
  this.timeout(30_000);
  let vault: VaultFixture;
  let agent: AgentProcess | undefined;
  let reloadHook: Server;
  let reloads = 0;
  let exported: Set<string>;
  let exposition: string;

  before(async () => {
    vault = await startVaultFixture({ dbDefaultTtl: '30s', dbMaxTtl: '2m' });
    // The app's reload endpoint, which the on-change action calls.
    reloadHook = createServer((_req, res) => {
      reloads += 1;
      res.end('reloaded');
    });
    await new Promise<void>((resolve) => reloadHook.listen(0, '127.0.0.1', resolve));
    const hook = `http://127.0.0.1:${(reloadHook.address() as AddressInfo).port}/-/reload`;
    const config = await vault.writeConfig(vault.config([
      { name: 'db', kind: 'leased', path: 'database/creds/demo', file: 'db.json' },
      { name: 'app-config', kind: 'kv2', path: 'demo/config', file: 'config.json', refresh_interval: '1s', on_change: [{ http: hook }] },
    ], { actions: { debounce: '0s' }, read_endpoint: { host: '127.0.0.1', port: 0 } }));
    agent = AgentProcess.start(['run', '--config', config]);
    await agent.waitReady();

    // A new version makes the agent rewrite config.json and call the app's reload endpoint.
    const written = await fetch(`${vault.backend.url}/v1/secret/data/demo/config`, {
      method: 'POST',
      headers: { 'X-Vault-Token': vault.backend.rootToken, 'content-type': 'application/json' },
      body: JSON.stringify({ data: { api_key: 'rotated-for-metrics' } }),
    });
    assert.equal(written.status, 200);
    await agent.waitFor('the on-change action to call the app', () => reloads > 0, 10_000);
    // The app reads the file through the endpoint (counted exactly), asks for one that does not
    // exist (refused), and reads the new version from disk (seen from atime at the next 5 s poll).
    const endpoint = (await agent.waitForLog('serving the files on the read endpoint')).url as string;
    assert.equal((await fetch(`${endpoint}/v1/files/config.json`)).status, 200);
    assert.equal((await fetch(`${endpoint}/v1/files/nope.json`)).status, 404);
    execFileSync('cat', [join(vault.secretsDir, 'config.json')], { stdio: 'ignore' });
    const text = await agent.waitFor('every event metric in /metrics', async () => {
      const scraped = await agent!.metrics();
      return EVENT_METRICS.every((name) => scraped.includes(name)) ? scraped : undefined;
    }, 12_000);
    exposition = text;
    exported = exportedNames(text);
  });
  after(async () => {
    await agent?.stop('SIGKILL');
    await vault?.close();
    await new Promise((resolve) => reloadHook?.close(resolve));
  });

  it('the dashboard queries only metrics the agent exports', () => {
    const queries = dashboardQueries();
    const used = new Set(queries.flatMap((q) => metricNames(q.expr)));
    assert.ok(used.size >= 20, `the dashboard uses ${used.size} metrics`);
    for (const name of [
      'vaultlet_secret_app_read', 'vaultlet_secret_unread_seconds', 'vaultlet_secret_app_read_delay_seconds',
      'vaultlet_file_up_to_date', 'vaultlet_action_runs_total', 'vaultlet_action_duration_seconds_bucket',
      'vaultlet_config_reloads_total', 'vaultlet_config_last_reload_success_timestamp_seconds',
      'vaultlet_file_endpoint_reads_total', 'vaultlet_file_endpoint_refused_total', 'vaultlet_file_endpoint_last_read_timestamp_seconds',
    ]) assert.ok(used.has(name), `the dashboard shows ${name}`);
    assert.deepEqual(missing(queries, new Set([...exported, ...EXTERNAL_SERIES])), []);
  });

  it('exports the labels the rules and panels match and group on', () => {
    const port = (reloadHook.address() as AddressInfo).port;
    for (const series of [
      'vaultlet_file_up_to_date{secret="app-config",file="config.json"} 1',
      'vaultlet_secret_unread_seconds{secret="app-config",file="config.json"}',
      'vaultlet_secret_app_read{secret="app-config",file="config.json"} 1',
      `vaultlet_action_runs_total{action="http:127.0.0.1:${port}/-/reload",result="success"} 1`,
      'vaultlet_file_endpoint_reads_total{file="config.json",result="ok"} 1',
      'vaultlet_file_endpoint_refused_total{reason="not_found"} 1',
      'vaultlet_config_reloads_total{result="failure"} 0',
    ]) assert.ok(exposition.includes(series), `${series} in /metrics`);
  });

  it('the alert rules use only metrics the agent exports, their own recordings and a named few from elsewhere', () => {
    const rules = loadRules().map((rule) => ({ where: rule.alert ?? rule.record ?? '?', expr: rule.expr }));
    assert.deepEqual(missing(rules, new Set([...exported, ...recordedNames(), ...EXTERNAL_SERIES])), []);
  });

  it('would notice a metric the agent does not export', () => {
    assert.deepEqual(missing([{ where: 'panel', expr: 'rate(vaultlet_secret_peeks_total[5m]) / vaultlet_ready' }], exported), ['panel: vaultlet_secret_peeks_total']);
  });
});
