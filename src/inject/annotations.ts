import { ConfigError } from '../errors.js';
import { SECRET_NAME } from '../config/schema.js';
import { inferKind, locate, vaultPathProblem, type SecretLocation } from './secret-path.js';

/** Pod annotations → what to inject. Every problem names the annotation that has it. */

export const PREFIX = 'vaultlet.io/';
export const STATUS_ANNOTATION = `${PREFIX}status`;

export type SecretFormat = 'json' | 'env' | 'raw';

export type SecretRequest = SecretLocation & {
  /** Both the file name in the secrets volume and the secret's name in metrics. */
  file: string;
  format?: SecretFormat;
  field?: string;
  envPrefix?: string;
};

export interface InjectionRequest {
  role: string;
  /** `sidecar` keeps secrets renewed; `once` writes them in an init container and stops. */
  mode: 'sidecar' | 'once';
  nativeSidecar: boolean;
  /** Whether the agent goes before the pod's own init containers (so they can read secrets too). */
  initFirst: boolean;
  secrets: SecretRequest[];
}

export interface AnnotationDefaults {
  role?: string;
  nativeSidecar: boolean;
}

const POD_KEYS = new Set(['inject', 'role', 'mode', 'native-sidecar', 'init-first', 'status']);
const PER_FILE = ['secret', 'kind', 'mount', 'format', 'field', 'env-prefix', 'template'] as const;
type PerFileKey = (typeof PER_FILE)[number];
const PER_FILE_PATTERN = new RegExp(`^(${PER_FILE.join('|')})-(.+)$`);

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
  const perFile = new Map<string, Partial<Record<PerFileKey, string>>>();
  for (const [key, value] of Object.entries(annotations)) {
    if (!key.startsWith(PREFIX)) continue;
    const name = key.slice(PREFIX.length);
    const match = PER_FILE_PATTERN.exec(name);
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
  if (role === undefined) problems.push(`${PREFIX}role: required (the Vault kubernetes auth role; the injector has no default role)`);
  else if (role.trim() === '' || /\s|\//.test(role)) problems.push(`${PREFIX}role: must be a Vault role name without spaces or "/" (got ${shown(role)})`);
  const mode = pod('mode') ?? 'sidecar';
  if (mode !== 'sidecar' && mode !== 'once') problems.push(`${PREFIX}mode: must be "sidecar" or "once" (got ${shown(mode)})`);

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
    secrets,
  };
  if (problems.length) throw refusal(problems);
  return request;
}

function secretRequest(file: string, entry: Partial<Record<PerFileKey, string>>, problems: string[]): SecretRequest | undefined {
  const at = (key: PerFileKey) => `${PREFIX}${key}-${file}`;
  const before = problems.length;
  if (entry.template !== undefined) {
    problems.push(`${at('template')}: templates are not implemented in the vaultlet agent yet; use ${at('format')} (json, env or raw with ${at('field')})`);
  }
  if (entry.secret === undefined) {
    for (const key of PER_FILE) if (key !== 'template' && entry[key] !== undefined) problems.push(`${at(key)}: there is no ${at('secret')} annotation for this file`);
    return undefined;
  }
  if (!SECRET_NAME.test(file)) {
    problems.push(`${at('secret')}: "${file}" must be a file name of lowercase letters, digits, "_", "." and "-", starting with a letter or digit`);
  }
  const pathProblem = vaultPathProblem(entry.secret);
  if (pathProblem) problems.push(`${at('secret')}: ${pathProblem}`);
  const kind = entry.kind ?? inferKind(entry.secret);
  if (kind !== 'leased' && kind !== 'kv2') problems.push(`${at('kind')}: must be "leased" or "kv2" (got ${shown(kind)})`);
  if (entry.mount !== undefined && vaultPathProblem(entry.mount)) problems.push(`${at('mount')}: ${vaultPathProblem(entry.mount)}`);
  const format = entry.format;
  if (format !== undefined && format !== 'json' && format !== 'env' && format !== 'raw') {
    problems.push(`${at('format')}: must be one of json, env, raw (got ${shown(format)})`);
  }
  if (format === 'raw' && entry.field === undefined) problems.push(`${at('field')}: required when ${at('format')} is raw`);
  if (format !== 'raw' && entry.field !== undefined) problems.push(`${at('field')}: only allowed when ${at('format')} is raw`);
  if (entry['env-prefix'] !== undefined) {
    if (format !== 'env') problems.push(`${at('env-prefix')}: only allowed when ${at('format')} is env`);
    else if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(entry['env-prefix'])) problems.push(`${at('env-prefix')}: must be letters, digits and "_", not starting with a digit`);
  }
  if (problems.length > before) return undefined;
  const location = locate(entry.secret, kind as 'leased' | 'kv2', entry.mount);
  if (typeof location === 'string') {
    problems.push(`${entry.mount !== undefined && kind === 'leased' ? at('mount') : at('secret')}: ${location}`);
    return undefined;
  }
  return {
    ...location,
    file,
    ...(format !== undefined && { format: format as SecretFormat }),
    ...(entry.field !== undefined && { field: entry.field }),
    ...(entry['env-prefix'] !== undefined && { envPrefix: entry['env-prefix'] }),
  };
}

function parseBoolean(value: string): boolean | undefined {
  if (value === 'true') return true;
  if (value === 'false') return false;
  return undefined;
}

/** Annotation values are not secret, but they are echoed short so a refusal stays one readable line. */
function shown(value: string): string {
  return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
}

function refusal(problems: string[]): ConfigError {
  const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
  return new ConfigError(`vaultlet injection refused: invalid annotations (${count})`, problems);
}
