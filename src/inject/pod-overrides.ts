import type { InjectorSettings } from './settings.js';
import { PREFIX, shown } from './file-annotations.js';
import { vaultPathProblem } from './secret-path.js';

/**
 * Pod-wide annotations that change, for one pod, what the injector's settings say for all:
 *
 * - `agent-port`: the agent's HTTP port (probes, /metrics), checked against the pod's own ports;
 * - `agent-requests-cpu`, `agent-requests-memory`, `agent-limits-cpu`, `agent-limits-memory`;
 * - `vault-namespace`, `auth-mount` (of whichever auth method the pod uses), `ca-config-map` or
 *   `ca-secret` (the `ca.crt` of a ConfigMap or Secret in the pod's namespace);
 * - `containers`: which containers get the secrets mount (comma-separated names; default all);
 * - `run-as-user`, `run-as-group`, `run-as-same` (the agent runs as the first such container's user).
 */

export const OVERRIDE_KEYS = [
  'agent-port', 'agent-requests-cpu', 'agent-requests-memory', 'agent-limits-cpu', 'agent-limits-memory',
  'vault-namespace', 'auth-mount', 'ca-config-map', 'ca-secret', 'containers', 'run-as-user', 'run-as-group', 'run-as-same',
] as const;

export interface PodOverrides {
  agentPort?: number;
  requests: { cpu?: string; memory?: string };
  limits: { cpu?: string; memory?: string };
  vaultNamespace?: string;
  authMount?: string;
  caConfigMap?: string;
  caSecret?: string;
  /** Undefined: every container. */
  containers?: string[];
  runAs: { user?: number; group?: number; same: boolean };
}

/** Kubernetes resource quantities: "10m", "48Mi", "1", "0.5". */
export const QUANTITY = /^\d+(\.\d+)?(m|k|Ki|Mi|Gi|M|G)?$/;

/** Kubernetes object names (DNS-1123 subdomain) and container names (DNS-1123 label). */
const SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
const LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

export function parseOverrides(read: (name: string) => string | undefined, problems: string[]): PodOverrides {
  const at = (name: string) => `${PREFIX}${name}`;
  const overrides: PodOverrides = { requests: {}, limits: {}, runAs: { same: false } };

  const port = read('agent-port');
  if (port !== undefined) {
    const number = /^\d{1,5}$/.test(port) ? Number(port) : NaN;
    if (!(number >= 1 && number <= 65535)) problems.push(`${at('agent-port')}: must be a port number between 1 and 65535 (got ${shown(port)})`);
    else overrides.agentPort = number;
  }
  for (const [bound, resource] of [['requests', 'cpu'], ['requests', 'memory'], ['limits', 'cpu'], ['limits', 'memory']] as const) {
    const name = `agent-${bound}-${resource}`;
    const value = read(name);
    if (value === undefined) continue;
    if (!QUANTITY.test(value)) problems.push(`${at(name)}: must be a Kubernetes quantity like "${resource === 'cpu' ? '50m' : '96Mi'}" (got ${shown(value)})`);
    else overrides[bound][resource] = value;
  }
  const namespace = read('vault-namespace');
  if (namespace !== undefined) {
    if (namespace.trim() === '' || /\s/.test(namespace)) problems.push(`${at('vault-namespace')}: must be a Vault namespace such as "team-a" (got ${shown(namespace)})`);
    else overrides.vaultNamespace = namespace;
  }
  const mount = read('auth-mount');
  if (mount !== undefined) {
    const problem = vaultPathProblem(mount);
    if (problem) problems.push(`${at('auth-mount')}: ${problem}`);
    else overrides.authMount = mount.replace(/^auth\//, '');
  }
  for (const [key, field, kind] of [['ca-config-map', 'caConfigMap', 'ConfigMap'], ['ca-secret', 'caSecret', 'Secret']] as const) {
    const name = read(key);
    if (name === undefined) continue;
    if (!SUBDOMAIN.test(name)) problems.push(`${at(key)}: must be a ${kind} name (got ${shown(name)})`);
    else overrides[field] = name;
  }
  if (overrides.caConfigMap !== undefined && overrides.caSecret !== undefined) problems.push(`${at('ca-secret')}: give either it or ${at('ca-config-map')}, not both`);
  const containers = read('containers');
  if (containers !== undefined) {
    const names = containers.split(',').map((name) => name.trim()).filter((name) => name !== '');
    const bad = names.filter((name) => !LABEL.test(name));
    if (names.length === 0 || bad.length) problems.push(`${at('containers')}: must be container names separated by commas (got ${shown(containers)})`);
    else overrides.containers = [...new Set(names)];
  }
  for (const which of ['user', 'group'] as const) {
    const value = read(`run-as-${which}`);
    if (value === undefined) continue;
    if (value === '0') problems.push(`${at(`run-as-${which}`)}: vaultlet never runs as root; give a non-zero ${which} id`);
    else if (!/^\d{1,10}$/.test(value) || Number(value) > 2147483647) problems.push(`${at(`run-as-${which}`)}: must be a numeric ${which} id (got ${shown(value)})`);
    else overrides.runAs[which] = Number(value);
  }
  const same = read('run-as-same');
  if (same !== undefined) {
    if (same !== 'true' && same !== 'false') problems.push(`${at('run-as-same')}: must be "true" or "false" (got ${shown(same)})`);
    overrides.runAs.same = same === 'true';
    if (overrides.runAs.same && overrides.runAs.user !== undefined) problems.push(`${at('run-as-same')}: cannot be combined with ${at('run-as-user')}`);
  }
  return overrides;
}

/** The settings as they apply to one pod. */
export function settingsForPod(settings: InjectorSettings, overrides: PodOverrides, authMethod: 'kubernetes' | 'jwt'): InjectorSettings {
  const { requests, limits } = settings.resources;
  const merged: InjectorSettings = {
    ...settings,
    agent_port: overrides.agentPort ?? settings.agent_port,
    vault: {
      ...settings.vault,
      ...(overrides.vaultNamespace !== undefined && { namespace: overrides.vaultNamespace }),
      // One CA source per pod: the pod's choice replaces the injector's.
      ...(overrides.caConfigMap !== undefined && { ca_config_map: overrides.caConfigMap, ca_secret: undefined }),
      ...(overrides.caSecret !== undefined && { ca_secret: overrides.caSecret, ca_config_map: undefined }),
    },
    auth: {
      ...settings.auth,
      ...(overrides.authMount !== undefined && (authMethod === 'jwt' ? { jwt_mount: overrides.authMount } : { mount: overrides.authMount })),
    },
    resources: {
      requests: { ...requests, ...overrides.requests },
      limits: { ...limits, ...overrides.limits } as InjectorSettings['resources']['limits'],
    },
  };
  return merged;
}

/** Problems of the merged resources: a request above its limit is refused by the API server. */
export function resourceProblems(settings: InjectorSettings): string[] {
  const problems: string[] = [];
  for (const resource of ['cpu', 'memory'] as const) {
    const request = settings.resources.requests[resource];
    const limit = settings.resources.limits[resource];
    if (limit !== undefined && quantityValue(request) > quantityValue(limit)) {
      problems.push(`${PREFIX}agent-requests-${resource} / agent-limits-${resource}: the ${resource} request ${request} is more than the limit ${limit}`);
    }
  }
  return problems;
}

const SUFFIX: Readonly<Record<string, number>> = { m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3 };

/** The number a quantity stands for, to compare two of them. */
export function quantityValue(quantity: string): number {
  const match = /^(\d+(?:\.\d+)?)([a-zA-Z]*)$/.exec(quantity);
  return match ? Number(match[1]) * (SUFFIX[match[2]!] ?? NaN) : NaN;
}
