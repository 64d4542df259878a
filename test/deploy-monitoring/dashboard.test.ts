import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { runPromtool } from '../support/prometheus.js';
import { concreteQuery, dashboardQueries, loadDashboard } from './dashboard-queries.js';

describe('deploy/monitoring Grafana dashboard', function () {
  this.timeout(20_000);
  const dashboard = loadDashboard();

  it('has the panels a platform team asks for', () => {
    const titles = dashboard.panels.map((panel) => panel.title);
    for (const wanted of [
      'Secrets by time to expiry', 'Lease renewals', 'Rotations', 'Failures', 'Vault latency p99', 'Logins', 'Vault token time left', 'Unread secret versions', 'App read delay',
      'Files not up to date', 'Files: up to date (1) or stale (0)', 'On-change actions', 'Config reloads', 'Read endpoint reads',
    ]) {
      assert.ok(titles.includes(wanted), `a "${wanted}" panel`);
    }
    assert.equal(dashboard.uid, 'vaultlet');
  });

  it('queries the data source chosen in its variable, filtered by job and instance', () => {
    const queried = dashboard.panels.filter((panel) => (panel.targets ?? []).length > 0);
    assert.ok(queried.length >= 15);
    for (const panel of queried) {
      assert.equal(panel.datasource?.uid, '${datasource}', `${panel.title}: data source`);
      for (const target of panel.targets ?? []) assert.match(target.expr ?? '', /job=~"\$job", instance=~"\$instance"/, `${panel.title}: ${target.expr}`);
    }
  });

  it('shows per-file metrics per file, not summed over the files of a secret', () => {
    const perFile = /vaultlet_(file_up_to_date|secret_app_read|secret_unread_seconds|secret_app_read_delay_seconds|file_endpoint_reads_total|file_endpoint_last_read_timestamp_seconds)\b/;
    const shown = dashboard.panels.flatMap((panel) => (panel.targets ?? []).map((target) => ({ title: panel.title, ...(target as { expr?: string; legendFormat?: string }) })))
      .filter((target) => perFile.test(target.expr ?? '') && !/^count\(/.test(target.expr ?? ''));
    assert.ok(shown.length >= 6, `${shown.length} per-file queries`);
    for (const target of shown) assert.match(target.legendFormat ?? '', /\{\{file\}\}/, `${target.title}: ${target.expr}`);
  });

  it('lays panels out on the 24-column grid without overlaps, with unique ids', () => {
    const ids = dashboard.panels.map((panel) => panel.id);
    assert.equal(new Set(ids).size, ids.length);
    const cells = new Set<string>();
    for (const { title, gridPos: g } of dashboard.panels) {
      assert.ok(g.x >= 0 && g.w > 0 && g.x + g.w <= 24, `${title}: inside the grid`);
      for (let x = g.x; x < g.x + g.w; x++) {
        for (let y = g.y; y < g.y + g.h; y++) {
          assert.ok(!cells.has(`${x},${y}`), `${title} overlaps another panel at ${x},${y}`);
          cells.add(`${x},${y}`);
        }
      }
    }
  });

  it('uses only valid PromQL (every query parsed by promtool)', async () => {
    const queries = dashboardQueries(dashboard).filter((q) => !q.where.startsWith('variable'));
    const dir = await mkdtemp(join(tmpdir(), 'vaultlet-dashboard-'));
    try {
      const file = join(dir, 'queries.rules.yaml');
      const rules = queries.map((query, index) => ({ record: `dashboard:query_${index}`, expr: concreteQuery(query.expr) }));
      await writeFile(file, stringify({ groups: [{ name: 'dashboard', rules }] }));
      const result = await runPromtool(['check', 'rules', file]);
      assert.equal(result.code, 0, result.stdout + result.stderr);
      assert.match(result.stdout, new RegExp(`SUCCESS: ${queries.length} rules found`));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
