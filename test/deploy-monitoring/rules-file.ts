import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { repoPath } from '../support/repo-root.js';

/** The one source of the alert rules; prometheusrule.yaml is generated from it. */
export const RULES_PATH = repoPath('deploy', 'monitoring', 'vaultlet.rules.yaml');

export interface Rule {
  readonly alert?: string;
  readonly record?: string;
  readonly expr: string;
  readonly for?: string;
  readonly labels?: Record<string, string>;
  readonly annotations?: Record<string, string>;
}

export interface RuleGroups {
  readonly groups: ReadonlyArray<{ readonly name: string; readonly rules: readonly Rule[] }>;
}

export function loadRules(): Rule[] {
  return (parse(readFileSync(RULES_PATH, 'utf8')) as RuleGroups).groups.flatMap((group) => group.rules);
}
