import type { ConfigDocument } from './schema.js';
import type { FileConfig, FileRender, OnChangeAction, SecretFormat } from './types.js';

type SecretDocument = ConfigDocument['secrets'][number];
type FileDocument = NonNullable<SecretDocument['files']>[number];
type ActionDocument = NonNullable<FileDocument['on_change']>[number];
type TemplateDocument = NonNullable<ConfigDocument['templates']>[number];

const FILE_KEYS = ['file', 'format', 'field', 'fields', 'env_prefix', 'template', 'template_file', 'mode', 'uid', 'gid', 'on_change', 'track_reads'] as const;

/** Keys that say how a secret's files are kept, not what is in them: a pki secret with only these keeps its default three files. */
const LAYOUT_KEYS: ReadonlySet<string> = new Set(['mode', 'uid', 'gid', 'on_change', 'track_reads']);

/**
 * Every file the config asks for, with the rules that span keys: one way of rendering per file,
 * no two entries writing the same file, templates naming secrets that exist. Problems come back
 * as `key: problem` lines so they join the schema's in one error.
 */
export function buildFiles(document: ConfigDocument): { files: FileConfig[]; issues: string[] } {
  const issues: string[] = [];
  const files: FileConfig[] = [];
  const defaults = { mode: document.output.mode, uid: document.output.uid, gid: document.output.gid };
  document.secrets.forEach((secret, index) => {
    const key = `secrets[${index}]`;
    if (secret.files) {
      const mixed = FILE_KEYS.filter((name) => secret[name] !== undefined);
      for (const name of mixed) issues.push(`${key}.${name}: not allowed together with files (put it in each files entry)`);
      secret.files.forEach((entry, at) => files.push(fileFrom(entry, [secret.name], `${key}.files[${at}]`, entry.file, defaults, issues)));
    } else if (secret.kind === 'pki' && FILE_KEYS.every((name) => LAYOUT_KEYS.has(name) || secret[name] === undefined)) {
      files.push(...certificateFiles(secret, key, defaults));
    } else {
      files.push(fileFrom(secret, [secret.name], key, secret.file, defaults, issues, secret.name));
    }
    if (secret.kind === 'pki' && secret.bundle) {
      files.push(pem(`${secret.name}-bundle.pem`, secret.name, ['certificate', 'ca_chain', 'private_key'], `${key}.bundle`, secret, defaults));
    }
  });
  const names = new Set(document.secrets.map((secret) => secret.name));
  document.templates?.forEach((entry, index) => {
    const key = `templates[${index}]`;
    entry.secrets.forEach((name, at) => {
      if (!names.has(name)) issues.push(`${key}.secrets[${at}]: no secret named "${name}"`);
    });
    files.push(fileFrom({ ...entry, format: 'template' }, entry.secrets, key, entry.file, defaults, issues));
  });
  const owners = new Map<string, string>();
  for (const file of files) {
    const first = owners.get(file.file);
    if (first) issues.push(`${file.key}: file "${file.file}" is also written by ${first}`);
    else owners.set(file.file, file.key);
  }
  return { files, issues };
}

type Layout = Pick<FileDocument, 'mode' | 'uid' | 'gid' | 'on_change' | 'track_reads'>;
type Defaults = { mode: number; uid?: number; gid?: number };

function fileFrom(
  entry: Omit<FileDocument, 'file'> & Partial<Pick<TemplateDocument, 'template' | 'template_file'>>,
  secrets: string[],
  key: string,
  file: string | undefined,
  defaults: Defaults,
  issues: string[],
  defaultName?: string,
): FileConfig {
  const problem = (name: string, text: string) => issues.push(`${key}.${name}: ${text}`);
  const templated = entry.template !== undefined || entry.template_file !== undefined;
  const format: SecretFormat = entry.format ?? (templated ? 'template' : 'json');
  if (templated && format !== 'template') problem('format', `must be template (or left out) when template or template_file is set`);
  if (format === 'template' && entry.template !== undefined && entry.template_file !== undefined) problem('template_file', 'not allowed together with template');
  if (format === 'template' && !templated) problem('template', 'required when format is template (or set template_file)');
  if (entry.field !== undefined && format !== 'raw' && format !== 'pem') problem('field', 'only allowed when format is raw or pem');
  if (entry.fields !== undefined && format !== 'pem') problem('fields', 'only allowed when format is pem');
  if (entry.env_prefix !== undefined && format !== 'env') problem('env_prefix', 'only allowed when format is env');
  if (format === 'raw' && entry.field === undefined) problem('field', 'required when format is raw');
  if (format === 'pem' && entry.field === undefined && entry.fields === undefined) problem('fields', 'required when format is pem');
  if (format === 'pem' && entry.field !== undefined && entry.fields !== undefined) problem('field', 'not allowed together with fields');
  const name = file ?? defaultFileName(defaultName ?? secrets[0]!, format);
  const render = renderOf(format, entry, name);
  return { file: name, secrets, render, key, ...layout(entry, defaults) };
}

function renderOf(format: SecretFormat, entry: Omit<FileDocument, 'file'>, file: string): FileRender {
  switch (format) {
    case 'env':
      return { format, envPrefix: entry.env_prefix ?? '' };
    case 'raw':
      return { format, field: entry.field ?? '' };
    case 'pem':
      return { format, fields: entry.fields ?? (entry.field ? [entry.field] : []) };
    case 'template':
      return { format, template: entry.template_file ? { name: entry.template_file, file: entry.template_file } : { name: file, inline: entry.template ?? '' } };
    default:
      return { format };
  }
}

/** A certificate with nothing said about its files: the layout TLS servers expect. */
function certificateFiles(secret: SecretDocument, key: string, defaults: Defaults): FileConfig[] {
  return [
    pem(`${secret.name}.crt`, secret.name, ['certificate'], key, secret, defaults),
    pem(`${secret.name}.key`, secret.name, ['private_key'], key, secret, defaults),
    pem(`${secret.name}-ca.crt`, secret.name, ['issuing_ca', 'ca_chain'], key, secret, defaults),
  ];
}

function pem(file: string, secret: string, fields: string[], key: string, entry: Layout, defaults: Defaults): FileConfig {
  return { file, secrets: [secret], render: { format: 'pem', fields }, key, ...layout(entry, defaults) };
}

function layout(entry: Layout, defaults: Defaults): Pick<FileConfig, 'mode' | 'uid' | 'gid' | 'onChange' | 'trackReads'> {
  const uid = entry.uid ?? defaults.uid;
  const gid = entry.gid ?? defaults.gid;
  return {
    mode: entry.mode ?? defaults.mode,
    ...(uid !== undefined ? { uid } : {}),
    ...(gid !== undefined ? { gid } : {}),
    onChange: (entry.on_change ?? []).map(action),
    ...(entry.track_reads === false ? { trackReads: false } : {}),
  };
}

function action(entry: ActionDocument): OnChangeAction {
  if ('signal' in entry) return { kind: 'signal', process: entry.process, signal: entry.signal, timeoutMs: entry.timeout };
  if ('http' in entry) return { kind: 'http', url: entry.http, method: entry.method, ...(entry.headers ? { headers: entry.headers } : {}), timeoutMs: entry.timeout };
  return { kind: 'command', argv: entry.command, timeoutMs: entry.timeout };
}

export function defaultFileName(name: string, format: SecretFormat): string {
  switch (format) {
    case 'json':
    case 'env':
    case 'yaml':
    case 'properties':
    case 'pem':
      return `${name}.${format}`;
    default:
      return name;
  }
}
