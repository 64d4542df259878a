import { ConfigError } from '../errors.js';
import { PER_FILE, PER_FILE_PATTERN, PREFIX, secretRequest, shown, type PerFileEntry, type PerFileKey, type SecretRequest } from './file-annotations.js';
import { OVERRIDE_KEYS, parseOverrides, type PodOverrides } from './pod-overrides.js';

/**
 * Pod annotations → what to inject. Every problem names the annotation that has it.
 *
 * Pod-wide: `vaultlet.io/inject`, `role`, `mode` (sidecar | once), `native-sidecar`, `init-first`,
 * `auth-method` (kubernetes, the default, or jwt: Vault checks the projected token against the
 * cluster's keys, no TokenReview per login) and `auth-audience` (the projected token's audience,
 * default the injector's `auth.audience`). Overrides of the injector's settings for one pod: see
 * pod-overrides.ts. Per file: see file-annotations.ts.
 */

export { PREFIX } from './file-annotations.js';
export type { SecretFormat, SecretRequest } from './file-annotations.js';
export const STATUS_ANNOTATION = `${PREFIX}status`;

export const AUTH_METHODS = ['kubernetes', 'jwt'] as const;

export interface InjectionRequest {
  role: string;
  /** `sidecar` keeps secrets renewed; `once` writes them in an init container and stops. */
  mode: 'sidecar' | 'once';
  nativeSidecar: boolean;
  /** Whether the agent goes before the pod's own init containers (so they can read secrets too). */
  initFirst: boolean;
  auth: {
    method: (typeof AUTH_METHODS)[number];
    /** Undefined: the injector's default audience. */
    audience?: string;
  };
  secrets: SecretRequest[];
  overrides: PodOverrides;
}

export interface AnnotationDefaults {
  role?: string;
  nativeSidecar: boolean;
  authMethod?: (typeof AUTH_METHODS)[number];
}

const POD_KEYS = new Set<string>(['inject', 'role', 'mode', 'native-sidecar', 'init-first', 'auth-method', 'auth-audience', 'status', ...OVERRIDE_KEYS]);

/** Whether the pod asks for injection; any value other than "true"/"false" is a refusal. */
export function wantsInjection(annotations: Readonly<Record<string, string>>): boolean {
  const value = annotations[`${PREFIX}inject`];
  if (value === undefined) return false;
  const parsed = parseBoolean(value);
  if (parsed === undefined) throw refusal([`${PREFIX}inject: must be "true" or "false" (got ${shown(value)})`]);
  return parsed;
}

export function parseAnnotations(annotations: Readonly<Record<string, string>>, defaults: AnnotationDefaults): InjectionRequest {
  const problems: string[] = [];
  const perFile = new Map<string, PerFileEntry>();
  for (const [key, value] of Object.entries(annotations)) {
    if (!key.startsWith(PREFIX)) continue;
    const name = key.slice(PREFIX.length);
    const match = POD_KEYS.has(name) ? null : PER_FILE_PATTERN.exec(name);
    if (match) {
      const entry = perFile.get(match[2]!) ?? {};
      entry[match[1] as PerFileKey] = value;
      perFile.set(match[2]!, entry);
    } else if (!POD_KEYS.has(name)) {
      problems.push(`${key}: unknown annotation (known: ${[...POD_KEYS].filter((k) => k !== 'status').map((k) => PREFIX + k).join(', ')}, and ${PER_FILE.map((k) => `${PREFIX}${k}-<file>`).join(', ')})`);
    }
  }
  const pod = (name: string): string | undefined => annotations[PREFIX + name];
  const flag = (name: string, fallback: boolean): boolean => {
    const value = pod(name);
    if (value === undefined) return fallback;
    const parsed = parseBoolean(value);
    if (parsed === undefined) problems.push(`${PREFIX}${name}: must be "true" or "false" (got ${shown(value)})`);
    return parsed ?? fallback;
  };

  const role = pod('role') ?? defaults.role;
  if (role === undefined) problems.push(`${PREFIX}role: required (the Vault auth role; the injector has no default role)`);
  else if (role.trim() === '' || /\s|\//.test(role)) problems.push(`${PREFIX}role: must be a Vault role name without spaces or "/" (got ${shown(role)})`);
  const mode = pod('mode') ?? 'sidecar';
  if (mode !== 'sidecar' && mode !== 'once') problems.push(`${PREFIX}mode: must be "sidecar" or "once" (got ${shown(mode)})`);

  const method = pod('auth-method') ?? defaults.authMethod ?? 'kubernetes';
  if (!(AUTH_METHODS as readonly string[]).includes(method)) problems.push(`${PREFIX}auth-method: must be "kubernetes" or "jwt" (got ${shown(method)})`);
  const audience = pod('auth-audience');
  if (audience !== undefined && (audience === '' || /\s/.test(audience))) problems.push(`${PREFIX}auth-audience: must be a non-empty audience without spaces (got ${shown(audience)})`);

  const overrides = parseOverrides(pod, problems);
  const secrets: SecretRequest[] = [];
  for (const [file, entry] of [...perFile].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const secret = secretRequest(file, entry, problems);
    if (secret) secrets.push(secret);
  }
  if (![...perFile.values()].some((entry) => entry.secret !== undefined)) problems.push(`${PREFIX}secret-<file>: at least one is required, e.g. ${PREFIX}secret-db.json: database/creds/my-app`);

  const request: InjectionRequest = {
    role: role ?? '',
    mode: mode === 'once' ? 'once' : 'sidecar',
    nativeSidecar: flag('native-sidecar', defaults.nativeSidecar),
    initFirst: flag('init-first', true),
    auth: { method: method === 'jwt' ? 'jwt' : 'kubernetes', ...(audience !== undefined && { audience }) },
    secrets,
    overrides,
  };
  if (problems.length) throw refusal(problems);
  return request;
}

function parseBoolean(value: string): boolean | undefined {
  if (value === 'true') return true;
  if (value === 'false') return false;
  return undefined;
}

function refusal(problems: string[]): ConfigError {
  const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
  return new ConfigError(`vaultlet injection refused: invalid annotations (${count})`, problems);
}
