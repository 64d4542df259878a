import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { AgentProcess } from '../support/agent-process.js';
import { startVaultFixture, type VaultFixture } from '../support/vault-fixture.js';
import { dashboardQueries } from './dashboard-queries.js';
import { exportedNames, metricNames } from './promql-names.js';
import { loadRules } from './rules-file.js';

/** Names used but not exported, as "where: name" lines; empty when everything is real. */
function missing(queries: ReadonlyArray<{ where: string; expr: string }>, exported: Set<string>): string[] {
  return queries.flatMap((query) => metricNames(query.expr).filter((name) => !exported.has(name)).map((name) => `${query.where}: ${name}`));
}

describe('dashboard and alert rules against what a running agent exports', function () {
  this.timeout(30_000);
  let vault: VaultFixture;
  let agent: AgentProcess | undefined;
  let exported: Set<string>;

  before(async () => {
    vault = await startVaultFixture({ dbDefaultTtl: '30s', dbMaxTtl: '2m' });
    const config = await vault.writeConfig(vault.config([
      { name: 'db', kind: 'leased', path: 'database/creds/demo', file: 'db.json' },
      { name: 'app-config', kind: 'kv2', path: 'demo/config', file: 'config.json' },
    ]));
    agent = AgentProcess.start(['run', '--config', config]);
    await agent.waitReady();
    // The access metrics exist only for files on an atime-updating mount (the test's /tmp), and the
    // read delay only once something read the file: read one, as the app would, and wait for the
    // agent's next atime poll (every 5 s).
    execFileSync('cat', [join(vault.secretsDir, 'config.json')], { stdio: 'ignore' });
    const read = await agent.waitFor('the app read to show in /metrics', async () => {
      const text = await agent!.metrics();
      return text.includes('vaultlet_secret_app_read_delay_seconds{') ? text : undefined;
    }, 10_000);
    exported = exportedNames(read);
  });
  after(async () => {
    await agent?.stop('SIGKILL');
    await vault?.close();
  });

  it('the dashboard queries only metrics the agent exports', () => {
    const queries = dashboardQueries();
    const used = new Set(queries.flatMap((q) => metricNames(q.expr)));
    assert.ok(used.size >= 12, `the dashboard uses ${used.size} metrics`);
    for (const name of ['vaultlet_secret_app_read', 'vaultlet_secret_unread_seconds', 'vaultlet_secret_app_read_delay_seconds']) assert.ok(used.has(name), `the dashboard shows ${name}`);
    assert.deepEqual(missing(queries, exported), []);
  });

  it('the alert rules use only metrics the agent exports', () => {
    const rules = loadRules().map((rule) => ({ where: rule.alert ?? rule.record ?? '?', expr: rule.expr }));
    assert.deepEqual(missing(rules, exported), []);
  });

  it('would notice a metric the agent does not export', () => {
    assert.deepEqual(missing([{ where: 'panel', expr: 'rate(vaultlet_secret_reads_total[5m]) / vaultlet_ready' }], exported), ['panel: vaultlet_secret_reads_total']);
  });
});
