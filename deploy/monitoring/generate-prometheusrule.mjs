#!/usr/bin/env node
// Writes prometheusrule.yaml (for the Prometheus Operator) from vaultlet.rules.yaml, the one
// source of the alert rules, so the two can never drift apart. `--check` writes nothing and exits
// 1 when prometheusrule.yaml is out of date (the test suite runs it that way).
// `--runbook-base <url>` turns the rules' runbook_url (docs/runbooks.md#…, relative to the vaultlet
// source tree) into links, e.g. --runbook-base https://git.example.com/vaultlet/blob/v1.2.0/ writes
// https://git.example.com/vaultlet/blob/v1.2.0/docs/runbooks.md#vaultletagentdown; the file is then
// for your deployment, not for the repository.
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { Document, parseDocument } from 'yaml';

const here = (name) => fileURLToPath(new URL(name, import.meta.url));
const SOURCE = here('vaultlet.rules.yaml');
const TARGET = here('prometheusrule.yaml');

const HEADER = `Generated from vaultlet.rules.yaml by generate-prometheusrule.mjs: edit that file, then run
  node deploy/monitoring/generate-prometheusrule.mjs
Kube-prometheus-stack only picks up rules whose labels match its ruleSelector (often
release: <helm release name>); add that label in an overlay.`;

export function prometheusRule(rulesYaml, { runbookBase } = {}) {
  const rules = parseDocument(rulesYaml);
  if (rules.errors.length > 0) throw new Error(`vaultlet.rules.yaml: ${rules.errors[0].message}`);
  if (runbookBase) {
    for (const group of rules.get('groups').items) {
      for (const rule of group.get('rules').items) {
        const url = rule.getIn(['annotations', 'runbook_url']);
        if (url) rule.setIn(['annotations', 'runbook_url'], new URL(url, runbookBase.endsWith('/') ? runbookBase : `${runbookBase}/`).href);
      }
    }
  }
  const manifest = new Document({
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata: { name: 'vaultlet', labels: { 'app.kubernetes.io/name': 'vaultlet', 'app.kubernetes.io/component': 'alerting' } },
    spec: {},
  });
  manifest.commentBefore = HEADER.split('\n').map((line) => ` ${line}`).join('\n');
  // The parsed node keeps the source's comments, so the manifest explains each rule as well.
  manifest.setIn(['spec', 'groups'], rules.get('groups', true));
  return manifest.toString({ lineWidth: 0 });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const base = process.argv.indexOf('--runbook-base');
  const wanted = prometheusRule(await readFile(SOURCE, 'utf8'), { runbookBase: base > 0 ? process.argv[base + 1] : undefined });
  if (process.argv.includes('--check')) {
    const current = await readFile(TARGET, 'utf8').catch(() => '');
    if (current !== wanted) {
      console.error('deploy/monitoring/prometheusrule.yaml is out of date: run node deploy/monitoring/generate-prometheusrule.mjs');
      process.exit(1);
    }
  } else {
    await writeFile(TARGET, wanted);
    console.log(`wrote ${TARGET}`);
  }
}
