import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parse } from 'yaml';
import { runPromtool } from '../support/prometheus.js';
import { repoPath } from '../support/repo-root.js';
import { loadRules, RULES_PATH, SHIPPED_ALERTS, type RuleGroups } from './rules-file.js';

const RUNBOOKS_PATH = repoPath('docs', 'runbooks.md');

/** The anchor GitHub and most Markdown renderers give a heading: lower case, punctuation dropped, spaces as dashes. */
function anchorOf(heading: string): string {
  return heading.trim().toLowerCase().replace(/[^\w\- ]/g, '').replace(/ /g, '-');
}

const OPERATOR_PATH = repoPath('deploy', 'monitoring', 'prometheusrule.yaml');
const GENERATOR_PATH = repoPath('deploy', 'monitoring', 'generate-prometheusrule.mjs');
const UNIT_TESTS_PATH = repoPath('test', 'deploy-monitoring', 'vaultlet.rules.test.yaml');

describe('deploy/monitoring alert rules', function () {
  this.timeout(20_000);

  it('pass promtool check rules', async () => {
    const result = await runPromtool(['check', 'rules', RULES_PATH]);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /SUCCESS: 16 rules found/);
  });

  it('pass their promtool unit tests (promtool test rules)', async () => {
    const result = await runPromtool(['test', 'rules', UNIT_TESTS_PATH]);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /SUCCESS/);
  });

  it('have a unit test where each alert fires and one where it must not', () => {
    const tests = (parse(readFileSync(UNIT_TESTS_PATH, 'utf8')) as { tests: Array<{ alert_rule_test?: Array<{ alertname: string; exp_alerts?: unknown[] }> }> }).tests;
    const cases = tests.flatMap((t) => t.alert_rule_test ?? []);
    const alerts = loadRules().map((rule) => rule.alert).filter((name): name is string => name !== undefined);
    assert.deepEqual(alerts, SHIPPED_ALERTS);
    for (const alert of alerts) {
      const mine = cases.filter((c) => c.alertname === alert);
      assert.ok(mine.some((c) => (c.exp_alerts ?? []).length > 0), `${alert}: no test case where it fires`);
      assert.ok(mine.some((c) => (c.exp_alerts ?? []).length === 0), `${alert}: no test case where it stays quiet`);
    }
  });

  it('say what is wrong and how bad it is, wait a deliberate time, and link a runbook that exists', () => {
    const runbooks = readFileSync(RUNBOOKS_PATH, 'utf8');
    const sections = new Map<string, string>();
    for (const part of runbooks.split(/^## /m).slice(1)) {
      const [heading, ...body] = part.split('\n');
      sections.set(anchorOf(heading!), body.join('\n'));
    }
    for (const rule of loadRules().filter((r) => r.alert)) {
      assert.match(rule.labels?.severity ?? '', /^(warning|critical)$/, `${rule.alert}: severity`);
      assert.ok((rule.annotations?.summary ?? '').length > 10, `${rule.alert}: summary`);
      assert.ok((rule.annotations?.description ?? '').length > 40, `${rule.alert}: description`);
      assert.match(rule.for ?? '', /^\d+[smh]$/, `${rule.alert}: an explicit for:, 0m included`);
      const url = rule.annotations?.runbook_url ?? '';
      assert.equal(url, `docs/runbooks.md#${rule.alert!.toLowerCase()}`, `${rule.alert}: runbook_url`);
      const section = sections.get(rule.alert!.toLowerCase());
      assert.ok(section !== undefined, `${rule.alert}: no "## ${rule.alert}" in docs/runbooks.md`);
      // A warning that only leads up to a page may refer to the page's steps; every other runbook says all three.
      const parts = /How to check \/ what to do/.test(section) ? ['What it means', 'How to check / what to do'] : ['What it means', 'How to check', 'What to do'];
      for (const part of parts) assert.ok(section.includes(`**${part}.**`), `${rule.alert}: runbook lacks "${part}"`);
    }
  });

  it('page at critical only for a lost or ending credential, or an agent nobody can see', () => {
    const critical = loadRules().filter((rule) => rule.labels?.severity === 'critical').map((rule) => rule.alert);
    assert.deepEqual(critical, ['VaultletAgentDown', 'VaultletAgentMissing', 'VaultletTokenExpiring', 'VaultletSecretExpiring', 'VaultletNotReady']);
  });

  it('name the file when they watch a file', () => {
    const fileRules = loadRules().filter((rule) => /vaultlet_(file_up_to_date|secret_unread_seconds)\b/.test(rule.expr));
    assert.deepEqual(fileRules.map((rule) => rule.alert), ['VaultletAppNotReadingRotatedSecret', 'VaultletFileNotUpToDate']);
    for (const rule of fileRules) {
      assert.match(rule.annotations?.summary ?? '', /\$labels\.file/, `${rule.alert}: summary`);
      // A template's file has one series per secret it draws on: merged, so one file is one alert.
      assert.match(rule.expr, /without \(secret\)/, `${rule.alert}: one alert per file`);
      assert.doesNotMatch(JSON.stringify(rule.annotations), /\$labels\.secret/, `${rule.alert}: no secret label left to show`);
    }
  });

  it('link their runbooks on your git host when generated with --runbook-base', async () => {
    const { prometheusRule } = (await import(pathToFileURL(GENERATOR_PATH).href)) as { prometheusRule: (yaml: string, options?: { runbookBase?: string }) => string };
    const manifest = parse(prometheusRule(readFileSync(RULES_PATH, 'utf8'), { runbookBase: 'https://git.example.com/vaultlet/blob/v1.2.0' })) as { spec: RuleGroups };
    const urls = manifest.spec.groups.flatMap((group) => group.rules).flatMap((rule) => (rule.alert ? [rule.annotations?.runbook_url] : []));
    assert.equal(urls.length, SHIPPED_ALERTS.length);
    for (const [index, url] of urls.entries()) assert.equal(url, `https://git.example.com/vaultlet/blob/v1.2.0/docs/runbooks.md#${SHIPPED_ALERTS[index]!.toLowerCase()}`);
  });

  it('ship as a PrometheusRule generated from the plain rules file, and in sync with it', () => {
    const check = spawnSync(process.execPath, [GENERATOR_PATH, '--check'], { encoding: 'utf8' });
    assert.equal(check.status, 0, check.stderr);
    const manifest = parse(readFileSync(OPERATOR_PATH, 'utf8')) as { apiVersion: string; kind: string; metadata: { name: string }; spec: RuleGroups };
    assert.equal(manifest.apiVersion, 'monitoring.coreos.com/v1');
    assert.equal(manifest.kind, 'PrometheusRule');
    assert.equal(manifest.metadata.name, 'vaultlet');
    assert.deepEqual(manifest.spec.groups, (parse(readFileSync(RULES_PATH, 'utf8')) as RuleGroups).groups);
  });
});
