import { ConfigError } from '../errors.js';
import { PREFIX } from './file-annotations.js';
import type { VAULT_K8S_MODES } from './settings.js';

/**
 * vault-k8s's `vault.hashicorp.com/*` annotations, for clusters moving from the Vault Agent
 * injector (docs/migrating.md has the whole table). Off unless the injector's
 * `vault_k8s_annotations` says `alongside` or `instead`:
 *
 * - Annotations that map one to one become their `vaultlet.io/*` equivalents, and the pod is
 *   injected as if it had been written with those; problems name the annotations as written.
 * - Annotations that only tune Vault Agent are ignored, each named in an admission warning.
 * - Annotations vaultlet cannot honour (Go templates, commands, the token for the app, …): with
 *   `alongside` the pod is left alone for vault-k8s, with a warning naming each; with `instead`
 *   (vault-k8s is gone) it is refused.
 * - A pod vaultlet injects is marked `vault.hashicorp.com/agent-inject-status: injected`, which
 *   vault-k8s reads as "done", and a pod vault-k8s injected first is left alone: one injector each.
 */

export const VAULT_K8S_PREFIX = 'vault.hashicorp.com/';
const STATUS = `${VAULT_K8S_PREFIX}agent-inject-status`;

type Mode = (typeof VAULT_K8S_MODES)[number];

export interface Translation {
  /** The vaultlet.io annotations to inject with: the pod's own, or translated ones. */
  annotations: Readonly<Record<string, string>>;
  warnings: string[];
  /** Set when the pod is left un-injected on purpose; the reason. */
  leave?: string;
  /** Annotations to set to "injected" alongside vaultlet.io/status. */
  markers: string[];
  /** Runs `parse`, putting the pod's own annotation names back into any ConfigError it throws. */
  rename<T>(parse: () => T): T;
  renamed(error: ConfigError): ConfigError;
}

/** Pod-wide annotations with a vaultlet.io equivalent (the value is carried over as it is). */
export const SAME: Readonly<Record<string, string>> = {
  role: 'role',
  namespace: 'vault-namespace',
  'auth-path': 'auth-mount',
  'agent-limits-cpu': 'agent-limits-cpu',
  'agent-limits-mem': 'agent-limits-memory',
  'agent-requests-cpu': 'agent-requests-cpu',
  'agent-requests-mem': 'agent-requests-memory',
  'agent-inject-containers': 'containers',
  'agent-run-as-user': 'run-as-user',
  'agent-run-as-group': 'run-as-group',
  'agent-run-as-same-user': 'run-as-same',
};

/** Tuning of Vault Agent itself, with nothing to tune in vaultlet or a fixed vaultlet behaviour. */
export const IGNORED: Readonly<Record<string, string>> = {
  'agent-image': 'vaultlet runs its own image (the injector\'s `image`)',
  'agent-request-namespace': 'set by vault-k8s for itself',
  'agent-pre-populate': 'vaultlet always writes the files before the app starts',
  'agent-set-security-context': 'vaultlet always sets its own hardened securityContext',
  'agent-revoke-on-shutdown': 'vaultlet revokes its token and leases when the pod stops (sidecar mode)',
  'agent-revoke-grace': 'the injector settings decide',
  'agent-limits-ephemeral': 'vaultlet writes nothing to the node\'s disk',
  'agent-requests-ephemeral': 'vaultlet writes nothing to the node\'s disk',
  'agent-cache-enable': 'vaultlet has no API proxy or cache for the app',
  'agent-cache-use-auto-auth-token': 'vaultlet has no API proxy or cache for the app',
  'agent-cache-listener-port': 'vaultlet has no API proxy or cache for the app',
  'agent-cache-exit-on-err': 'vaultlet has no API proxy or cache for the app',
  'agent-enable-quit': 'vaultlet stops on SIGTERM',
  'agent-service-account-token-volume-name': 'vaultlet mounts its own projected token',
  'agent-auto-auth-exit-on-err': 'vaultlet retries logins with backoff and reports them in /readyz',
  'auth-min-backoff': 'vaultlet\'s backoff is fixed', 'auth-max-backoff': 'vaultlet\'s backoff is fixed',
  'agent-disable-idle-connections': 'not applicable', 'agent-disable-keep-alives': 'not applicable',
  'client-max-retries': 'the injector settings decide', 'client-timeout': 'the injector settings decide',
  'log-level': 'the injector settings decide', 'log-format': 'vaultlet logs JSON lines',
  'go-max-procs': 'not a Go program', 'agent-telemetry': 'vaultlet serves Prometheus /metrics',
  'template-config-exit-on-retry-failure': 'no Go templates', 'template-static-secret-render-interval': 'KV secrets are re-read every 5 minutes',
  'template-max-connections-per-host': 'no Go templates', 'template-lease-renewal-threshold': 'vaultlet renews at 60–70% of the TTL',
  'agent-template-left-delim': 'no Go templates', 'agent-template-right-delim': 'no Go templates',
  'error-on-missing-key': 'no Go templates', 'preserve-secret-case': 'applied to the file names',
  'agent-inject-status': 'vault-k8s\'s own',
};

/** Why each of these cannot be honoured; the pod is left to vault-k8s (alongside) or refused (instead). */
const UNSUPPORTED: ReadonlyArray<[RegExp, string]> = [
  [/^agent-inject-template-file-/, 'template files are not supported (the agent mounts none of the pod\'s volumes)'],
  [/^agent-inject-template-/, 'a Go (consul-template) template; vaultlet renders Handlebars: rewrite it as vaultlet.io/template-<file>'],
  [/^agent-inject-command-/, 'commands would run in vaultlet\'s image; use vaultlet.io/on-change-<file> (a signal or a loopback URL)'],
  [/^agent-inject-token$/, 'vaultlet never gives its Vault token to the app'],
  [/^agent-configmap$/, 'a whole Vault Agent config; vaultlet builds its own from annotations'],
  [/^agent-extra-secret$/, 'the agent mounts no extra Secret'],
  [/^agent-copy-volume-mounts$/, 'the agent mounts none of the app\'s volumes'],
  [/^agent-(init-)?json-patch$/, 'JSON patches of the agent container are not supported'],
  [/^agent-share-process-namespace$/, 'set spec.shareProcessNamespace on the pod yourself'],
  [/^secret-volume-path/, 'the secrets are always mounted at the injector\'s secrets_path'],
  [/^service$/, 'one Vault address per injector (its vault.address)'],
  [/^proxy-address$/, 'vaultlet does not use an HTTP proxy'],
  [/^tls-skip-verify$/, 'vaultlet always verifies Vault\'s certificate'],
  [/^tls-server-name$|^client-cert$|^client-key$|^ca-key$/, 'client certificates and server-name overrides are not offered by the injector'],
  [/^auth-config-/, 'auth parameters beyond role and mount are not supported'],
];

export function fromVaultK8s(annotations: Readonly<Record<string, string>>, mode: Mode): Translation {
  const untouched: Translation = { annotations, warnings: [], markers: [], rename: (parse) => parse(), renamed: (error) => error };
  const inject = annotations[`${VAULT_K8S_PREFIX}agent-inject`];
  if (mode === 'off' || inject === undefined || annotations[`${PREFIX}inject`] !== undefined) return untouched;
  const enabled = goBool(inject);
  if (enabled === false) return untouched;
  if (annotations[STATUS] === 'injected') return { ...untouched, leave: 'already injected by vault-k8s' };

  const out: Record<string, string> = { [`${PREFIX}inject`]: enabled === undefined ? inject : 'true' };
  const origin = new Map<string, string>([[`${PREFIX}inject`, `${VAULT_K8S_PREFIX}agent-inject`]]);
  const put = (key: string, value: string, from: string) => {
    out[PREFIX + key] = value;
    origin.set(PREFIX + key, VAULT_K8S_PREFIX + from);
  };
  const warnings: string[] = [];
  const unsupported: string[] = [];
  const get = (name: string) => annotations[VAULT_K8S_PREFIX + name];

  for (const [key, value] of Object.entries(annotations)) {
    if (!key.startsWith(VAULT_K8S_PREFIX)) continue;
    const name = key.slice(VAULT_K8S_PREFIX.length);
    if (name === 'agent-inject' || name.startsWith('agent-inject-file-') || name.startsWith('agent-inject-perms-')) continue;
    if (SAME[name] !== undefined) put(SAME[name]!, value, name);
    else if (name.startsWith('agent-inject-secret-')) secret(name.slice('agent-inject-secret-'.length), value);
    else if (name === 'agent-pre-populate-only') put('mode', goBool(value) ? 'once' : 'sidecar', name);
    else if (name === 'agent-init-first') put('init-first', String(goBool(value) ?? value), name);
    else if (name === 'agent-inject-default-template') continue;
    else if (name === 'auth-type') {
      if (value !== 'kubernetes') unsupported.push(`${key}: only the kubernetes auth type maps to vaultlet's (got "${value.slice(0, 20)}")`);
    } else if (name === 'ca-cert' || name === 'tls-secret') continue;
    else if (IGNORED[name] !== undefined) warnings.push(`${key}: ignored (${IGNORED[name]})`);
    else {
      const reason = UNSUPPORTED.find(([pattern]) => pattern.test(name))?.[1] ?? 'not a vault-k8s annotation vaultlet knows';
      unsupported.push(`${key}: ${reason}`);
    }
  }
  // vault-k8s's default template prints Go's map syntax; vaultlet writes JSON (KV v2: the data alone).
  if ((get('agent-inject-default-template') ?? 'map').toLowerCase() !== 'json') {
    warnings.push(`${VAULT_K8S_PREFIX}agent-inject-default-template: files are written as JSON, not Go's map syntax; check what the app parses`);
  }
  // vault-k8s puts the init container after the pod's own unless told otherwise.
  if (get('agent-init-first') === undefined) out[`${PREFIX}init-first`] = 'false';
  caCertificate();

  if (unsupported.length) {
    if (mode === 'alongside') return { ...untouched, leave: 'left to vault-k8s', warnings: [`vaultlet left this pod to vault-k8s: ${unsupported.join('; ')}`] };
    throw new ConfigError('vaultlet injection refused: vault.hashicorp.com annotations vaultlet cannot honour', unsupported);
  }
  const back = (text: string) => text.replace(/vaultlet\.io\/[\w.-]+/g, (whole) => origin.get(whole) ?? whole);
  const renamed = (error: ConfigError) => new ConfigError(back(error.message), error.issues.map(back), { cause: error });
  return {
    annotations: out,
    warnings: [...warnings, 'vaultlet injected this pod from its vault.hashicorp.com annotations (see docs/migrating.md)'],
    markers: [STATUS],
    rename(parse) {
      try {
        return parse();
      } catch (error) {
        throw error instanceof ConfigError ? renamed(error) : error;
      }
    },
    renamed,
  };

  function secret(raw: string, path: string): void {
    const preserve = goBool(get(`preserve-secret-case-${raw}`) ?? get('preserve-secret-case') ?? 'false') === true;
    const name = preserve ? raw : raw.toLowerCase();
    const file = get(`agent-inject-file-${raw}`) ?? name;
    if (file.includes('/')) {
      unsupported.push(`${VAULT_K8S_PREFIX}agent-inject-file-${raw}: files in subdirectories are not supported (got "${file.slice(0, 60)}")`);
      return;
    }
    put(`secret-${file}`, path, `agent-inject-secret-${raw}`);
    const perms = get(`agent-inject-perms-${raw}`);
    if (perms !== undefined) put(`file-mode-${file}`, perms, `agent-inject-perms-${raw}`);
  }

  /** `ca-cert` is a path in the agent container, which vault-k8s fills from the `tls-secret` Secret at /vault/tls. */
  function caCertificate(): void {
    const path = get('ca-cert');
    const tlsSecret = get('tls-secret');
    if (path === undefined && tlsSecret === undefined) return;
    if (path === '/vault/tls/ca.crt' && tlsSecret !== undefined) put('ca-secret', tlsSecret, 'tls-secret');
    else if (path !== undefined && tlsSecret === undefined) unsupported.push(`${VAULT_K8S_PREFIX}ca-cert: a path in the agent container; vaultlet reads the CA from a ConfigMap (vaultlet.io/ca-config-map) or from vault.hashicorp.com/tls-secret's ca.crt`);
    else if (path !== undefined) unsupported.push(`${VAULT_K8S_PREFIX}ca-cert: only /vault/tls/ca.crt (the tls-secret's ca.crt key) is supported (got "${path.slice(0, 60)}")`);
    else warnings.push(`${VAULT_K8S_PREFIX}tls-secret: ignored without ca-cert (vaultlet uses no client certificate)`);
  }
}

/** Go's strconv.ParseBool, which vault-k8s uses: true/false in any of its spellings. */
function goBool(value: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(value)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(value)) return false;
  return undefined;
}
