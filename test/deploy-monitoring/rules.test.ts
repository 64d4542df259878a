import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { runPromtool } from '../support/prometheus.js';
import { repoPath } from '../support/repo-root.js';
import { loadRules, RULES_PATH, type RuleGroups } from './rules-file.js';

const OPERATOR_PATH = repoPath('deploy', 'monitoring', 'prometheusrule.yaml');
const GENERATOR_PATH = repoPath('deploy', 'monitoring', 'generate-prometheusrule.mjs');
const UNIT_TESTS_PATH = repoPath('test', 'deploy-monitoring', 'vaultlet.rules.test.yaml');

describe('deploy/monitoring alert rules', function () {
  this.timeout(20_000);

  it('pass promtool check rules', async () => {
    const result = await runPromtool(['check', 'rules', RULES_PATH]);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /SUCCESS: 8 rules found/);
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
    assert.deepEqual(alerts, [
      'VaultletSecretExpiringWithoutRenewal', 'VaultletLoginFailing', 'VaultletRotationFailing', 'VaultletNotReady', 'VaultletAppNotReadingRotatedSecret',
      'VaultletFileNotUpToDate', 'VaultletOnChangeActionFailing', 'VaultletConfigReloadFailing',
    ]);
    for (const alert of alerts) {
      const mine = cases.filter((c) => c.alertname === alert);
      assert.ok(mine.some((c) => (c.exp_alerts ?? []).length > 0), `${alert}: no test case where it fires`);
      assert.ok(mine.some((c) => (c.exp_alerts ?? []).length === 0), `${alert}: no test case where it stays quiet`);
    }
  });

  it('say what is wrong and how bad it is', () => {
    for (const rule of loadRules()) {
      assert.match(rule.labels?.severity ?? '', /^(warning|critical)$/, `${rule.alert}: severity`);
      assert.ok((rule.annotations?.summary ?? '').length > 10, `${rule.alert}: summary`);
      assert.ok((rule.annotations?.description ?? '').length > 40, `${rule.alert}: description`);
    }
  });

  it('name the file when they watch a file', () => {
    const fileRules = loadRules().filter((rule) => /vaultlet_(file_up_to_date|secret_unread_seconds)\b/.test(rule.expr));
    assert.deepEqual(fileRules.map((rule) => rule.alert), ['VaultletAppNotReadingRotatedSecret', 'VaultletFileNotUpToDate']);
    for (const rule of fileRules) assert.match(rule.annotations?.summary ?? '', /\$labels\.file/, `${rule.alert}: summary`);
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
