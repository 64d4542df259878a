import { readFile } from 'node:fs/promises';
import * as z from 'zod';
import { ConfigError } from '../errors.js';
import { durationOrProblem } from '../config/duration.js';
import { absolutePath, nonEmptyString, vaultAddress, vaultPath } from '../config/fields.js';
import { errorMap, issueLines } from '../config/issues.js';
import { parseYaml } from '../config/yaml-document.js';
import { AUTH_METHODS } from './annotations.js';
import { QUANTITY } from './pod-overrides.js';

/**
 * The injector's own settings (not the agent's): what every injected sidecar gets unless a pod's
 * annotations say otherwise. Read from `--config injector.yaml`; a few flags override it.
 */

const quantity = () => z.string().regex(QUANTITY, 'must be a Kubernetes quantity like "10m" or "48Mi"');
const id = (what: string) => z.number().int('must be an integer').min(1, `must be >= 1 (vaultlet never runs as root ${what})`).max(2147483647, 'must be < 2^31');

/** How vault.hashicorp.com/* annotations (vault-k8s) are treated; see vault-k8s.ts. */
export const VAULT_K8S_MODES = ['off', 'alongside', 'instead'] as const;

const settingsSchema = z.strictObject({
  image: nonEmptyString().default('vaultlet:0.1.0'),
  image_pull_policy: z.enum(['Always', 'IfNotPresent', 'Never']).optional(),
  vault: z.strictObject({
    address: vaultAddress().default('https://vault.vault.svc:8200'),
    // A ConfigMap with `ca.crt`, looked up in the pod's namespace (a webhook creates no objects).
    ca_config_map: nonEmptyString().optional(),
    // Or a Secret with `ca.crt` (as cert-manager writes one), also in the pod's namespace.
    ca_secret: nonEmptyString().optional(),
    namespace: nonEmptyString().optional(),
  }).prefault({}),
  auth: z.strictObject({
    // A pod's `vaultlet.io/auth-method` overrides it; jwt needs Vault's JWT auth set up with the cluster's OIDC issuer.
    default_method: z.enum(AUTH_METHODS).default('kubernetes'),
    mount: vaultPath().default('kubernetes'),
    jwt_mount: vaultPath().default('jwt'),
    default_role: nonEmptyString().optional(),
    // Of the projected service account token; a pod's `vaultlet.io/auth-audience` overrides it.
    audience: nonEmptyString().default('vault'),
    // The kubelet refuses projected tokens shorter than 10 minutes.
    token_expiration_seconds: z.number().int('must be an integer').min(600, 'must be >= 600 (the kubelet minimum)').default(3600),
  }).prefault({}),
  native_sidecar: z.boolean().default(true),
  secrets_path: absolutePath().default('/vault/secrets'),
  // Where the agent's own volume (its Vault token and leases) is mounted; app containers never get it.
  state_path: absolutePath().default('/var/lib/vaultlet'),
  // The agent's user and group, whatever the pod runs as (the image's "nonroot" user by default).
  run_as: z.strictObject({ user: id('user').default(65532), group: id('group').default(65532) }).prefault({}),
  // off: ignored; alongside: translated, and pods vaultlet cannot serve are left to vault-k8s;
  // instead: translated, and those pods are refused (vault-k8s is gone).
  vault_k8s_annotations: z.enum(VAULT_K8S_MODES).default('off'),
  volume_size_limit: quantity().default('1Mi'),
  agent_port: z.number().int('must be an integer').min(1, 'must be between 1 and 65535').max(65535, 'must be between 1 and 65535').default(8098),
  // Passed to `vaultlet once --timeout` in init-only mode; checked here so a typo fails at start, not in every pod.
  once_timeout: z.string().refine((value) => typeof durationOrProblem(value) === 'number', 'must be a duration like "2m"').default('2m'),
  resources: z.strictObject({
    // From bench/: about 82 MiB RSS with one secret, 103 MiB with 100, 148 MiB with 1,000.
    requests: z.strictObject({ cpu: quantity().default('10m'), memory: quantity().default('64Mi') }).prefault({}),
    limits: z.strictObject({ cpu: quantity().optional(), memory: quantity().default('128Mi') }).prefault({}),
  }).prefault({}),
}).superRefine((settings, ctx) => {
  if (settings.vault.ca_config_map !== undefined && settings.vault.ca_secret !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['vault', 'ca_secret'], message: 'give either vault.ca_config_map or vault.ca_secret, not both' });
  }
  const [a, b] = [settings.secrets_path, settings.state_path].map((path) => path.replace(/\/+$/, ''));
  if (a === b || a!.startsWith(`${b}/`) || b!.startsWith(`${a}/`)) {
    ctx.addIssue({ code: 'custom', path: ['state_path'], message: `must not overlap secrets_path (${settings.secrets_path}): the app mounts that one, and the state holds the agent's Vault token` });
  }
});

export type InjectorSettings = z.output<typeof settingsSchema>;

/** Flags that override the file; undefined means "not given". */
export interface SettingsFlags {
  image?: string;
  vaultAddress?: string;
  defaultRole?: string;
  nativeSidecar?: boolean;
  vaultK8sAnnotations?: (typeof VAULT_K8S_MODES)[number];
}

/** Validates settings text; one ConfigError lists every problem as `key: problem`. */
export function parseInjectorSettings(text: string, source: string, flags: SettingsFlags = {}): InjectorSettings {
  const yaml = parseYaml(text);
  if (yaml.issues.length) throw new ConfigError(`${source}: invalid YAML`, yaml.issues);
  const document = withFlags(yaml.value ?? {}, flags);
  const parsed = settingsSchema.safeParse(document, { error: errorMap });
  if (!parsed.success) {
    const issues = issueLines(parsed.error.issues);
    throw new ConfigError(`${source}: invalid injector settings (${issues.length === 1 ? '1 problem' : `${issues.length} problems`})`, issues);
  }
  return parsed.data;
}

export async function loadInjectorSettings(file: string | undefined, flags: SettingsFlags = {}): Promise<InjectorSettings> {
  if (file === undefined) return parseInjectorSettings('', 'injector settings (flags)', flags);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
    throw new ConfigError(`cannot read injector settings ${file}: ${reason}`, [], { cause: error });
  }
  return parseInjectorSettings(text, file, flags);
}

function withFlags(document: unknown, flags: SettingsFlags): unknown {
  if (typeof document !== 'object' || document === null || Array.isArray(document)) return document; // the schema names it
  const merged: Record<string, unknown> = { ...(document as Record<string, unknown>) };
  const section = (key: string): Record<string, unknown> => {
    const current = merged[key];
    merged[key] = typeof current === 'object' && current !== null && !Array.isArray(current) ? { ...current } : {};
    return merged[key] as Record<string, unknown>;
  };
  if (flags.image !== undefined) merged.image = flags.image;
  if (flags.nativeSidecar !== undefined) merged.native_sidecar = flags.nativeSidecar;
  if (flags.vaultK8sAnnotations !== undefined) merged.vault_k8s_annotations = flags.vaultK8sAnnotations;
  if (flags.vaultAddress !== undefined) section('vault').address = flags.vaultAddress;
  if (flags.defaultRole !== undefined) section('auth').default_role = flags.defaultRole;
  return merged;
}
