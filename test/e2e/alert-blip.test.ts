import assert from 'node:assert/strict';
import { AgentProcess, sample } from '../support/agent-process.js';
import { startPrometheus, type PrometheusServer } from '../support/prometheus.js';
import { forEachBackend } from '../support/vault-backend.js';
import { startVaultFixture, type VaultFixture } from '../support/vault-fixture.js';
import { RULES_PATH, SHIPPED_ALERTS } from '../deploy-monitoring/rules-file.js';

const BLIP_MS = 30_000;

/**
 * The false page of issue 16, for real: a 30-second run of 503s on one KV secret, through the
 * agent, scraped and evaluated by a real Prometheus loading the shipped rules. Before, the
 * agent counted each failed re-read as a failed rotation and each same-version success as
 * nothing, and VaultletRotationFailing went pending at once and fired five minutes later. Now
 * no alert's condition holds except the Vault error rate's, whose "still failing in the last 5
 * minutes" clause ends before its 10 minutes of `for` (promtool's case shows it never fires).
 */
forEachBackend('a 30-second Vault blip through a real agent and a real Prometheus', function (backend) {
  this.timeout(120_000);
  let vault: VaultFixture;
  let agent: AgentProcess | undefined;
  let prometheus: PrometheusServer | undefined;

  before(async () => {
    vault = await startVaultFixture({ backend, dbDefaultTtl: '10m', dbMaxTtl: '1h' });
    const config = vault.config([
      { name: 'db', kind: 'leased', path: 'database/creds/demo', file: 'db.json' },
      { name: 'app-config', kind: 'kv2', path: 'demo/config', file: 'config.json', refresh_interval: '3s' },
    ], { log: { level: 'info' } });
    agent = AgentProcess.start(['run', '--config', await vault.writeConfig(config)]);
    const target = new URL(await agent.waitReady()).host;
    prometheus = await startPrometheus({ targets: [target], ruleFiles: [RULES_PATH] });
  });
  after(async function () {
    if ((this.test?.parent?.tests ?? []).some((t) => t.state === 'failed')) {
      console.log(agent?.describe());
      console.log(prometheus?.describe());
    }
    await prometheus?.close();
    await agent?.stop('SIGKILL');
    await vault?.close();
  });

  it('raises no alert, and the agent reports the failures, the recovery and a same-version success', async () => {
    const p = prometheus!;
    type Groups = { groups: Array<{ rules: Array<{ name: string; type: string; health: string; lastError?: string }> }> };
    const rules = await p.waitFor('the rules evaluated on scraped data', async () => {
      const all = (await p.api<Groups>('rules')).groups.flatMap((g) => g.rules);
      const scraped = (await p.query('vaultlet_secret_last_success_timestamp_seconds{secret="app-config"}')).length === 1;
      return all.length > 0 && all.every((r) => r.health === 'ok') && scraped ? all : undefined;
    });
    assert.deepEqual(rules.filter((r) => r.type === 'alerting').map((r) => r.name), SHIPPED_ALERTS);
    const alerts = new Map<string, string>();
    const watch = async () => {
      for (const alert of await p.query('ALERTS')) alerts.set(`${alert.metric.alertname} ${alert.metric.alertstate}`, JSON.stringify(alert.metric));
    };

    Object.assign(vault.backend.faults, { errorStatus: 503, errorRate: 1, errorPathPattern: /^secret\/data\/demo\/config$/ });
    const blipEnds = Date.now() + BLIP_MS;
    let failing = 0;
    while (Date.now() < blipEnds) {
      await watch();
      const [failures] = await p.query('vaultlet_secret_consecutive_failures{secret="app-config"}');
      failing = Math.max(failing, failures?.value ?? 0);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
    vault.backend.faults.errorStatus = 0;
    assert.ok(failing >= 2, `the blip was seen: ${failing} failed re-reads in a row`);

    // The next re-read finds the same version: a success, which ends the failing streak.
    await agent!.waitForLog('secret recovered', 15_000);
    await p.waitFor('the recovery in Prometheus', async () => (await p.query('vaultlet_secret_consecutive_failures{secret="app-config"} == 0')).length === 1, 10_000);
    for (let i = 0; i < 15; i++) {
      await watch();
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }

    const text = await agent!.metrics();
    assert.ok((sample(text, 'vaultlet_secret_reads_total', { secret: 'app-config', result: 'failure' }) ?? 0) >= 2);
    assert.ok((sample(text, 'vaultlet_secret_reads_total', { secret: 'app-config', result: 'success' }) ?? 0) >= 3);
    assert.equal(sample(text, 'vaultlet_secret_rotations_total', { secret: 'app-config', result: 'failure' }), 0, 'a failed re-read is no failed rotation');
    const [lastSuccess] = await p.query('time() - vaultlet_secret_last_success_timestamp_seconds{secret="app-config"}');
    assert.ok(lastSuccess && lastSuccess.value < 10, `last success ${lastSuccess?.value}s ago`);
    const [margin] = await p.query('vaultlet_secret:margin_used:ratio{secret="db"}');
    assert.ok(margin && margin.value < 0, `the healthy lease's renewal is still ahead: ${margin?.value}`);

    const seen = [...alerts.keys()].sort();
    assert.deepEqual(seen.filter((a) => a.endsWith(' firing')), [], `no alert fired: ${JSON.stringify([...alerts.values()])}`);
    assert.deepEqual(seen.filter((a) => !a.startsWith('VaultletVaultErrors ')), [], `no alert pending but the error rate's: ${JSON.stringify([...alerts.values()])}`);
  });
});
