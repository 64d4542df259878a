import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { runPromtool } from '../support/prometheus.js';
import { repoPath } from '../support/repo-root.js';
import { concreteQuery, dashboardQueries, loadDashboard } from './dashboard-queries.js';

const GENERATOR_PATH = repoPath('deploy', 'monitoring', 'generate-dashboard.mjs');

describe('deploy/monitoring Grafana dashboard', function () {
  this.timeout(20_000);
  const dashboard = loadDashboard();
  const targets = dashboard.panels.flatMap((panel) => (panel.targets ?? []).map((target) => ({ panel, ...(target as { expr: string; legendFormat?: string }) })));

  it('is generated from generate-dashboard.mjs and in sync with it', () => {
    const check = spawnSync(process.execPath, [GENERATOR_PATH, '--check'], { encoding: 'utf8' });
    assert.equal(check.status, 0, check.stderr);
  });

  it('has the panels a platform team asks for', () => {
    const titles = dashboard.panels.map((panel) => panel.title);
    for (const wanted of [
      'Agents up', 'Agents down', 'Agents: up (1) or down (0)', 'Agents not ready per namespace', 'Least lease left (bottom 10)', 'Renewal margin used (top 10)',
      'Reads and renewals per namespace', 'Rotations per namespace', 'Failing in a row (top 10)', 'Vault latency p99', 'Vault error ratio per namespace',
      'Logins per namespace', 'Token: least left', 'Unread longest (top 10)', 'App read delay (top 10)', 'Files not up to date', 'Files: up to date (1) or stale (0)',
      'On-change actions per namespace', 'Config reloads per namespace', 'Read endpoint reads', 'Event-loop delay p99 (top 10)',
    ]) {
      assert.ok(titles.includes(wanted), `a "${wanted}" panel`);
    }
    assert.equal(dashboard.uid, 'vaultlet');
  });

  it('is filtered by namespace and pod variables, on the data source chosen in its variable', () => {
    assert.deepEqual(dashboard.templating.list.map((v) => v.name), ['datasource', 'namespace', 'pod']);
    const queried = dashboard.panels.filter((panel) => (panel.targets ?? []).length > 0);
    assert.ok(queried.length >= 30);
    for (const panel of queried) assert.equal(panel.datasource?.uid, '${datasource}', `${panel.title}: data source`);
    for (const { panel, expr } of targets) assert.match(expr, /namespace=~"\$namespace", pod=~"\$pod"/, `${panel.title}: ${expr}`);
  });

  it('shows agents that died, whose own series are gone, from Prometheus\' up', () => {
    const down = targets.filter(({ expr }) => /\bup == 0\b/.test(expr));
    assert.ok(down.some(({ panel }) => panel.title === 'Agents down'));
    assert.ok(targets.some(({ panel, expr }) => panel.title === 'Agents: up (1) or down (0)' && /\bup and on \(job, instance\) last_over_time\(vaultlet_build_info/.test(expr)));
  });

  it('never merges different pods by secret or file name, and shows per-pod series as the worst few or per namespace', () => {
    for (const { panel, expr } of targets) {
      for (const match of expr.matchAll(/\bby \(([^)]*)\)/g)) {
        const labels = match[1]!.split(',').map((label) => label.trim());
        if (labels.includes('secret') || labels.includes('file')) assert.ok(labels.includes('pod'), `${panel.title}: ${expr} merges pods`);
      }
      if (panel.type !== 'timeseries' && panel.type !== 'bargauge') continue;
      const aggregated = [...expr.matchAll(/\b(?:sum|count|min|max|avg) by \(([^)]*)\)/g)].some((m) => !/\b(pod|instance)\b/.test(m[1]!));
      assert.ok(aggregated || /\b(topk|bottomk)\(/.test(expr), `${panel.title}: per-pod series without topk/bottomk or aggregation: ${expr}`);
    }
  });

  it('shows per-file metrics per file, once for a file drawn from several secrets', () => {
    const perFile = /vaultlet_(file_up_to_date|secret_app_read|secret_unread_seconds|secret_app_read_delay_seconds|file_endpoint_last_read_timestamp_seconds)\b/;
    const shown = targets.filter(({ expr }) => perFile.test(expr) && !/^count\(/.test(expr));
    assert.ok(shown.length >= 4, `${shown.length} per-file queries`);
    for (const target of shown) {
      assert.match(target.legendFormat ?? '', /\{\{file\}\}/, `${target.panel.title}: ${target.expr}`);
      if (!/endpoint/.test(target.expr)) assert.match(target.expr, /without \(secret\)/, `${target.panel.title}: one series per file`);
    }
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
