#!/usr/bin/env node
// Writes grafana-dashboard.json from the panel list below, so the dashboard is reviewed as
// queries and words rather than 2,000 lines of Grafana JSON. `--check` writes nothing and exits 1
// when grafana-dashboard.json is out of date (the test suite runs it that way).
//
// Built for a fleet: every query is filtered by the namespace and pod variables; per-pod series
// are shown as the worst 10 (topk/bottomk) or summed per namespace, never merged by secret name
// alone (every app has its own "db"); dead agents show up instead of disappearing.
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const TARGET = fileURLToPath(new URL('grafana-dashboard.json', import.meta.url));

/** The selector every query carries. ".*" for All also matches series without the label (a static scrape config). */
const S = 'namespace=~"$namespace", pod=~"$pod"';
/** Process metrics of vaultlet targets only, not of app containers scraped in the same pods. */
const AGENTS = `on (job, instance) group_left () vaultlet_build_info{${S}}`;
const WHO = '{{namespace}}/{{pod}}';
const DATASOURCE = { type: 'prometheus', uid: '${datasource}' };
const TOP = 10;

const t = (expr, legendFormat = '__auto', extra = {}) => ({ expr, legendFormat, ...extra });
const leaseLeft = `(vaultlet_secret_expiry_timestamp_seconds{${S}} - time()) / vaultlet_secret_lease_ttl_seconds{${S}}`;
const marginUsed = `(timestamp(vaultlet_secret_next_refresh_timestamp_seconds{${S}}) - vaultlet_secret_next_refresh_timestamp_seconds{${S}}) / clamp_min(vaultlet_secret_expiry_timestamp_seconds{${S}} - vaultlet_secret_next_refresh_timestamp_seconds{${S}}, 1)`;
const seenAgents = `last_over_time(vaultlet_build_info{${S}}[1d])`;

const steps = (...pairs) => ({ mode: 'absolute', steps: pairs.map(([color, value]) => ({ color, value })) });
const green = steps(['green', null]);
const redAbove0 = steps(['green', null], ['red', 1]);

/** Rows of panels: [title, panels]; each panel's width in the 24-column grid, height in rows. */
const ROWS = [
  ['Overview', [
    { type: 'stat', title: 'Agents up', w: 4, h: 4, unit: 'none', thresholds: green,
      description: 'Agents Prometheus scrapes successfully.',
      targets: [t(`count(up == 1 and on (job, instance) vaultlet_build_info{${S}}) or vector(0)`)] },
    { type: 'stat', title: 'Agents down', w: 4, h: 4, unit: 'none', thresholds: redAbove0,
      description: 'Agents seen in the last day whose scrapes now fail: crashed, crash-looping or hung. Their own series are gone, so they appear nowhere else (VaultletAgentDown).',
      targets: [t(`count(up == 0 and on (job, instance) ${seenAgents}) or vector(0)`)] },
    { type: 'stat', title: 'Agents not ready', w: 4, h: 4, unit: 'none', thresholds: redAbove0,
      description: 'Agents that have not written every secret, hold an ended lease or are not logged in (/readyz or /status on the pod says why).',
      targets: [t(`count(vaultlet_ready{${S}} == 0) or vector(0)`)] },
    { type: 'stat', title: 'Least lease left', w: 4, h: 4, unit: 'percentunit', min: 0,
      thresholds: steps(['red', null], ['orange', 0.17], ['green', 0.3]),
      description: 'The smallest fraction of its granted TTL any lease has left. A healthy agent renews at about 2/3, so above 30% is normal (a certificate with a late rotate_fraction can go lower).',
      targets: [t(`min(${leaseLeft})`)] },
    { type: 'stat', title: 'Failures (1h)', w: 8, h: 4, unit: 'none', thresholds: redAbove0,
      description: 'Failed logins, token renewals, secret reads and renewals, file writes, config reloads and on-change actions in the last hour. Most are retried: a failure here is not an outage (see the alerts).',
      targets: [t([
        `sum(increase(vaultlet_logins_total{${S}, result="failure"}[1h]))`,
        `sum(increase(vaultlet_token_renewals_total{${S}, result="failure"}[1h]))`,
        `sum(increase(vaultlet_secret_reads_total{${S}, result="failure"}[1h]))`,
        `sum(increase(vaultlet_secret_renewals_total{${S}, result="failure"}[1h]))`,
        `sum(increase(vaultlet_secret_writes_total{${S}, result="failure"}[1h]))`,
        `sum(increase(vaultlet_config_reloads_total{${S}, result="failure"}[1h]))`,
        `(sum(increase(vaultlet_action_runs_total{${S}, result!="success"}[1h])) or vector(0))`,
      ].join(' + '))] },
    { type: 'table', title: 'Agents: up (1) or down (0)', w: 12, h: 7,
      description: 'Every agent Prometheus has seen in the last day, down ones first. A down agent stays listed here (its other series vanish with it).',
      targets: [t(`sort(max by (namespace, pod, instance) (up and on (job, instance) ${seenAgents}))`, WHO, { format: 'table' })],
      hide: ['Time'], rename: { Value: 'up' } },
    { type: 'timeseries', title: 'Agents not ready per namespace', w: 12, h: 7, unit: 'none',
      description: 'Agents not ready, and agents down, per namespace.',
      targets: [
        t(`count by (namespace) (vaultlet_ready{${S}} == 0) or sum by (namespace) (vaultlet_ready{${S}}) * 0`, '{{namespace}} not ready'),
        t(`count by (namespace) (up == 0 and on (job, instance) ${seenAgents}) or sum by (namespace) (vaultlet_ready{${S}}) * 0`, '{{namespace}} down'),
      ] },
  ]],
  ['Leases', [
    { type: 'bargauge', title: `Least lease left (bottom ${TOP})`, w: 8, h: 9, unit: 'percentunit', min: 0, max: 1,
      thresholds: steps(['red', null], ['orange', 0.17], ['green', 0.3]),
      description: 'The leases with the smallest fraction of their granted TTL left, across the fleet. Unleased secrets (KV) never expire and are not listed.',
      targets: [t(`sort(bottomk(${TOP}, ${leaseLeft}))`, `${WHO} {{secret}}`, { instant: true })] },
    { type: 'bargauge', title: `Renewal margin used (top ${TOP})`, w: 8, h: 9, unit: 'percentunit', max: 1,
      thresholds: steps(['green', null], ['orange', 0.25], ['red', 0.5]),
      description: 'How far past its planned renewal each lease is, as a share of the time from that plan to the lease\'s end: below 0 the renewal is still ahead (healthy). VaultletSecretRenewalOverdue warns at 25%, VaultletSecretExpiring pages at 50%.',
      targets: [t(`sort_desc(topk(${TOP}, ${marginUsed}))`, `${WHO} {{secret}}`, { instant: true })] },
    { type: 'timeseries', title: `Time to expiry (bottom ${TOP})`, w: 8, h: 9, unit: 's',
      description: 'Seconds left on the leases closest to their end. Saw-tooth is healthy: each jump up is a renewal or a replacement lease.',
      targets: [t(`bottomk(${TOP}, vaultlet_secret_expiry_seconds{${S}})`, `${WHO} {{secret}}`)] },
    { type: 'timeseries', title: 'Token: least left', w: 12, h: 7, unit: 'percentunit', min: 0,
      description: 'The agents\' own Vault tokens with the smallest fraction of their TTL left. Vault revokes a token\'s leases when it ends.',
      targets: [t(`bottomk(${TOP}, (vaultlet_token_expiry_timestamp_seconds{${S}} - time()) / vaultlet_token_ttl_seconds{${S}})`, WHO)] },
    { type: 'timeseries', title: 'Leases by engine per namespace', w: 12, h: 7, unit: 'none',
      description: 'How many leased secrets each namespace holds, by engine.',
      targets: [t(`count by (namespace, engine) (vaultlet_secret_expiry_timestamp_seconds{${S}})`, '{{namespace}} {{engine}}')] },
  ]],
  ['Reads, renewals and failures', [
    { type: 'timeseries', title: 'Reads and renewals per namespace', w: 8, h: 8, unit: 'ops', failuresRed: true,
      description: 'Secret reads from Vault (a re-read that finds the same KV version is a success) and lease renewals per second, by namespace and result.',
      targets: [
        t(`sum by (namespace, result) (rate(vaultlet_secret_reads_total{${S}}[$__rate_interval]))`, '{{namespace}} read {{result}}'),
        t(`sum by (namespace, result) (rate(vaultlet_secret_renewals_total{${S}}[$__rate_interval]))`, '{{namespace}} renewal {{result}}'),
      ] },
    { type: 'timeseries', title: 'Rotations per namespace', w: 8, h: 8, unit: 'short', failuresRed: true,
      description: 'New credentials or versions written (success), and failed replacements of ending leases, certificates and passwords (failure).',
      targets: [t(`sum by (namespace, result) (increase(vaultlet_secret_rotations_total{${S}}[$__rate_interval]))`, '{{namespace}} {{result}}')] },
    { type: 'timeseries', title: `Failing in a row (top ${TOP})`, w: 8, h: 8, unit: 'none',
      description: 'Reads and renewals of a secret that failed since its last success; 0 when healthy. VaultletSecretRefreshFailing fires at 3 with no success for 15 minutes.',
      targets: [t(`topk(${TOP}, vaultlet_secret_consecutive_failures{${S}})`, `${WHO} {{secret}}`)] },
    { type: 'timeseries', title: `Since last success (top ${TOP})`, w: 12, h: 7, unit: 's',
      description: 'How long ago each secret was last read or renewed successfully. A KV secret re-read every 5 minutes stays under 5 minutes when healthy.',
      targets: [t(`topk(${TOP}, time() - vaultlet_secret_last_success_timestamp_seconds{${S}})`, `${WHO} {{secret}}`)] },
    { type: 'timeseries', title: 'File writes per namespace', w: 12, h: 7, unit: 'short', failuresRed: true,
      description: 'File writes by result: changed (new bytes), unchanged (already on disk), failure.',
      targets: [t(`sum by (namespace, result) (increase(vaultlet_secret_writes_total{${S}}[$__rate_interval]))`, '{{namespace}} {{result}}')] },
  ]],
  ['Files, app reads and on-change actions', [
    { type: 'text', title: 'Did the app read the current version?', w: 24, h: 3,
      content: 'Seen from each file\'s access time (relatime), checked every 5 seconds: vaultlet notices the **first** read of each version it writes, not every read, so "read" means read at least once. Unread time counts from the oldest version the app has not read. Pods whose secrets volume is mounted `noatime`, and files with `track_reads: false`, export no access metrics and are missing here, not unread. A file drawn from several secrets has a series per secret: panels take the file once.' },
    { type: 'stat', title: 'Files not up to date', w: 4, h: 8, unit: 'none', thresholds: redAbove0,
      description: 'Files whose last render or write failed, so they hold an older version (or nothing yet). VaultletFileNotUpToDate fires after 5 minutes on a ready agent.',
      targets: [t(`count(min without (secret) (vaultlet_file_up_to_date{${S}}) == 0) or vector(0)`, 'stale')] },
    { type: 'stat', title: 'Versions not read yet', w: 4, h: 8, unit: 'none', thresholds: steps(['green', null], ['orange', 1]),
      description: 'Files whose current version the app has not read yet.',
      targets: [t(`count(min without (secret) (vaultlet_secret_app_read{${S}}) == 0) or vector(0)`, 'unread')] },
    { type: 'bargauge', title: `Unread longest (top ${TOP})`, w: 8, h: 8, unit: 's', min: 0,
      thresholds: steps(['green', null], ['orange', 300], ['red', 900]),
      description: 'How long the files the app has not read have waited, worst first; 0 once read. A long wait after a rotation means the app is still using the old credential (VaultletAppNotReadingRotatedSecret at 15 minutes).',
      targets: [t(`sort_desc(topk(${TOP}, max without (secret) (vaultlet_secret_unread_seconds{${S}})))`, `${WHO} {{file}}`, { instant: true })] },
    { type: 'timeseries', title: `App read delay (top ${TOP})`, w: 8, h: 8, unit: 's',
      description: 'Seconds from writing each file\'s current version to the app\'s first read of it: after a rotation, how long the app kept using the old credential.',
      targets: [t(`topk(${TOP}, max without (secret) (vaultlet_secret_app_read_delay_seconds{${S}}))`, `${WHO} {{file}}`)] },
    { type: 'table', title: 'Files: up to date (1) or stale (0)', w: 12, h: 7,
      description: 'Every file, stale ones first, with its pod. The agent\'s /status page and log give the template line or the write error.',
      targets: [t(`sort(min without (secret) (vaultlet_file_up_to_date{${S}}))`, '{{file}}', { format: 'table' })],
      hide: ['Time', '__name__', 'job', 'instance'], rename: { Value: 'up to date' } },
    { type: 'timeseries', title: 'On-change actions per namespace', w: 6, h: 7, unit: 'short', failuresRed: true,
      description: 'On-change action runs by result: success, failure, timeout, not_found (no such process).',
      targets: [t(`sum by (namespace, result) (increase(vaultlet_action_runs_total{${S}}[$__rate_interval]))`, '{{namespace}} {{result}}')] },
    { type: 'timeseries', title: 'On-change action duration p99', w: 6, h: 7, unit: 's',
      description: '99th percentile of on-change action durations across the selected pods.',
      targets: [t(`histogram_quantile(0.99, sum by (le) (rate(vaultlet_action_duration_seconds_bucket{${S}}[$__rate_interval])))`, 'p99')] },
    { type: 'timeseries', title: 'Config reloads per namespace', w: 8, h: 7, unit: 'short', failuresRed: true,
      description: 'Config reloads (file change or SIGHUP) by result. A failure leaves the previous config running.',
      targets: [t(`sum by (namespace, result) (increase(vaultlet_config_reloads_total{${S}}[$__rate_interval]))`, '{{namespace}} {{result}}')] },
    { type: 'timeseries', title: `Since the running config loaded (top ${TOP})`, w: 8, h: 7, unit: 's',
      description: 'How long ago each agent loaded the config it runs.',
      targets: [t(`topk(${TOP}, time() - vaultlet_config_last_reload_success_timestamp_seconds{${S}})`, WHO)] },
    { type: 'timeseries', title: 'Read endpoint reads', w: 8, h: 7, unit: 'short',
      description: 'Requests to the loopback read endpoint per namespace: ok is an exact read by the app (not_modified: its copy is current; not_ready: not written yet), and refused requests by reason.',
      targets: [
        t(`sum by (namespace, result) (increase(vaultlet_file_endpoint_reads_total{${S}}[$__rate_interval]))`, '{{namespace}} {{result}}'),
        t(`sum by (namespace, reason) (increase(vaultlet_file_endpoint_refused_total{${S}}[$__rate_interval]))`, '{{namespace}} refused {{reason}}'),
      ] },
    { type: 'timeseries', title: `Since last read through the endpoint (top ${TOP})`, w: 24, h: 6, unit: 's',
      description: 'How long ago the app last read each file through the read endpoint (ok answers), longest first. Only pods with read_endpoint enabled have it.',
      targets: [t(`topk(${TOP}, time() - vaultlet_file_endpoint_last_read_timestamp_seconds{${S}})`, `${WHO} {{file}}`)] },
  ]],
  ['Vault', [
    { type: 'timeseries', title: 'Vault latency p99', w: 8, h: 8, unit: 's',
      description: '99th percentile of request latency to Vault by operation, across the selected pods.',
      targets: [t(`histogram_quantile(0.99, sum by (le, operation) (rate(vaultlet_vault_request_duration_seconds_bucket{${S}}[$__rate_interval])))`, '{{operation}}')] },
    { type: 'timeseries', title: 'Vault requests by status', w: 8, h: 8, unit: 'reqps',
      description: 'Requests to Vault per second by HTTP status ("error": no answer).',
      targets: [t(`sum by (status) (rate(vaultlet_vault_requests_total{${S}}[$__rate_interval]))`, '{{status}}')] },
    { type: 'timeseries', title: 'Vault error ratio per namespace', w: 8, h: 8, unit: 'percentunit', min: 0,
      description: 'Share of requests with no answer, a 5xx or a 429. VaultletVaultErrors fires above 25% over 10 minutes while errors keep coming.',
      targets: [t(`sum by (namespace) (rate(vaultlet_vault_requests_total{${S}, status=~"5..|429|error"}[$__rate_interval])) / sum by (namespace) (rate(vaultlet_vault_requests_total{${S}}[$__rate_interval])) or sum by (namespace) (rate(vaultlet_vault_requests_total{${S}}[$__rate_interval])) * 0`, '{{namespace}}')] },
    { type: 'timeseries', title: 'Logins per namespace', w: 12, h: 7, unit: 'short', failuresRed: true,
      description: 'Vault logins by result.',
      targets: [t(`sum by (namespace, result) (increase(vaultlet_logins_total{${S}}[$__rate_interval]))`, '{{namespace}} {{result}}')] },
    { type: 'timeseries', title: 'Token renewals per namespace', w: 12, h: 7, unit: 'short', failuresRed: true,
      description: 'Renewals of the agents\' own Vault tokens by result.',
      targets: [t(`sum by (namespace, result) (increase(vaultlet_token_renewals_total{${S}}[$__rate_interval]))`, '{{namespace}} {{result}}')] },
  ]],
  ['Agent process', [
    { type: 'timeseries', title: `Resident memory (top ${TOP})`, w: 8, h: 7, unit: 'bytes',
      description: 'The agents using the most memory.',
      targets: [t(`topk(${TOP}, process_resident_memory_bytes * ${AGENTS})`, WHO)] },
    { type: 'timeseries', title: `CPU (top ${TOP})`, w: 8, h: 7, unit: 'percentunit',
      description: 'The agents using the most CPU (share of one core).',
      targets: [t(`topk(${TOP}, rate(process_cpu_seconds_total[$__rate_interval]) * ${AGENTS})`, WHO)] },
    { type: 'timeseries', title: `Event-loop delay p99 (top ${TOP})`, w: 8, h: 7, unit: 's',
      description: 'How late the agents\' event loops ran, 99th percentile between scrapes: a few milliseconds is normal.',
      targets: [t(`topk(${TOP}, nodejs_eventloop_lag_p99_seconds * ${AGENTS})`, WHO)] },
    { type: 'table', title: 'Versions', w: 24, h: 5,
      description: 'Agents by vaultlet and Node.js version.',
      targets: [t(`count by (version, node_version) (vaultlet_build_info{${S}})`, '__auto', { format: 'table' })],
      hide: ['Time'], rename: { Value: 'agents' } },
  ]],
];

function variable(name, label, query) {
  return {
    name, label, type: 'query', datasource: DATASOURCE, definition: query, query: { query, refId: name },
    includeAll: true, multi: true, allValue: '.*', current: {}, refresh: 2, sort: 1, hide: 0,
  };
}

function panelJson(panel, id, gridPos) {
  if (panel.type === 'text') return { id, gridPos, type: 'text', title: panel.title, options: { mode: 'markdown', content: panel.content } };
  const targets = panel.targets.map((target, index) => ({
    refId: String.fromCharCode(65 + index),
    datasource: DATASOURCE,
    expr: target.expr,
    ...(panel.type === 'stat' || panel.type === 'bargauge' || target.instant ? { instant: true } : {}),
    ...(target.format ? { format: target.format, instant: true } : {}),
    legendFormat: target.legendFormat,
  }));
  const base = { id, datasource: DATASOURCE, gridPos, type: panel.type, title: panel.title, description: panel.description, targets };
  const defaults = {
    ...(panel.unit ? { unit: panel.unit } : {}),
    ...(panel.min !== undefined ? { min: panel.min } : {}),
    ...(panel.max !== undefined ? { max: panel.max } : {}),
    ...(panel.thresholds ? { thresholds: panel.thresholds, color: { mode: 'thresholds' } } : {}),
  };
  const reduce = { calcs: ['lastNotNull'], fields: '', values: false };
  switch (panel.type) {
    case 'stat':
      return { ...base, fieldConfig: { defaults, overrides: [] }, options: { reduceOptions: reduce, colorMode: 'background', graphMode: 'none', textMode: 'value' } };
    case 'bargauge':
      return { ...base, fieldConfig: { defaults, overrides: [] }, options: { orientation: 'horizontal', displayMode: 'gradient', showUnfilled: true, reduceOptions: reduce } };
    case 'table':
      return {
        ...base,
        fieldConfig: { defaults: {}, overrides: [] },
        options: { showHeader: true },
        transformations: [{ id: 'organize', options: { excludeByName: Object.fromEntries(panel.hide.map((name) => [name, true])), renameByName: panel.rename } }],
      };
    default: {
      const overrides = panel.failuresRed
        ? [{ matcher: { id: 'byRegexp', options: '.*(failure|timeout|not_found)' }, properties: [{ id: 'color', value: { mode: 'fixed', fixedColor: 'red' } }] }]
        : [];
      return {
        ...base,
        fieldConfig: { defaults: { ...defaults, custom: { drawStyle: 'line', lineWidth: 1, fillOpacity: 10, showPoints: 'never' } }, overrides },
        options: { legend: { displayMode: 'table', placement: 'bottom', calcs: ['lastNotNull', 'max'] }, tooltip: { mode: 'multi', sort: 'desc' } },
      };
    }
  }
}

/** Lays the rows out on Grafana's 24-column grid, left to right, wrapping. */
export function dashboard() {
  const panels = [];
  let id = 1;
  let y = 0;
  for (const [title, row] of ROWS) {
    panels.push({ type: 'row', id: id++, title, collapsed: false, gridPos: { h: 1, w: 24, x: 0, y }, panels: [] });
    y += 1;
    let x = 0;
    let lineHeight = 0;
    for (const panel of row) {
      if (x + panel.w > 24) {
        y += lineHeight;
        x = 0;
        lineHeight = 0;
      }
      panels.push(panelJson(panel, id++, { h: panel.h, w: panel.w, x, y }));
      x += panel.w;
      lineHeight = Math.max(lineHeight, panel.h);
    }
    y += lineHeight;
  }
  return {
    title: 'vaultlet',
    uid: 'vaultlet',
    description: 'vaultlet sidecars across a fleet: agents up and ready, leases by the fraction left, reads, renewals and failures, files and app reads, Vault, the agents themselves. Filter by namespace and pod.',
    tags: ['vaultlet', 'vault', 'secrets'],
    editable: true,
    graphTooltip: 1,
    schemaVersion: 39,
    version: 2,
    time: { from: 'now-6h', to: 'now' },
    refresh: '30s',
    timezone: 'browser',
    links: [],
    annotations: { list: [{ builtIn: 1, datasource: { type: 'grafana', uid: '-- Grafana --' }, enable: true, hide: true, iconColor: 'rgba(0, 211, 255, 1)', name: 'Annotations & Alerts', type: 'dashboard' }] },
    templating: {
      list: [
        { name: 'datasource', label: 'Data source', type: 'datasource', query: 'prometheus', current: {}, hide: 0, refresh: 1 },
        variable('namespace', 'Namespace', 'label_values(vaultlet_build_info, namespace)'),
        variable('pod', 'Pod', 'label_values(vaultlet_build_info{namespace=~"$namespace"}, pod)'),
      ],
    },
    panels,
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const wanted = `${JSON.stringify(dashboard(), null, 2)}\n`;
  if (process.argv.includes('--check')) {
    const current = await readFile(TARGET, 'utf8').catch(() => '');
    if (current !== wanted) {
      console.error('deploy/monitoring/grafana-dashboard.json is out of date: run node deploy/monitoring/generate-dashboard.mjs');
      process.exit(1);
    }
  } else {
    await writeFile(TARGET, wanted);
    console.log(`wrote ${TARGET}`);
  }
}
