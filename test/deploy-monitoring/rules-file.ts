import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { repoPath } from '../support/repo-root.js';

/** The one source of the alert rules; prometheusrule.yaml is generated from it. */
export const RULES_PATH = repoPath('deploy', 'monitoring', 'vaultlet.rules.yaml');

/** Every alert the rules file ships, in its order. */
export const SHIPPED_ALERTS: readonly string[] = [
  'VaultletAgentDown', 'VaultletAgentMissing', 'VaultletTokenExpiring', 'VaultletTokenRenewalFailing', 'VaultletSecretExpiring',
  'VaultletSecretRenewalOverdue', 'VaultletSecretRefreshFailing', 'VaultletNotReady', 'VaultletLoginFailing', 'VaultletVaultErrors',
  'VaultletAppNotReadingRotatedSecret', 'VaultletFileNotUpToDate', 'VaultletOnChangeActionFailing', 'VaultletConfigReloadFailing',
];

/** Series the rules use that come from Prometheus itself or kube-state-metrics, not from the agent. */
export const EXTERNAL_SERIES: readonly string[] = ['up', 'kube_pod_init_container_info', 'kube_pod_container_info', 'kube_pod_status_phase'];

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

/** The names the rules file records (recording rules), which alerts and panels may use besides the agent's own. */
export function recordedNames(): string[] {
  return loadRules().flatMap((rule) => (rule.record ? [rule.record] : []));
}
