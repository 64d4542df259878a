import { SECRET_NAME } from '../config/schema.js';
import { FILE_FORMATS } from '../config/schema-files.js';
import { parseOnChange, type OnChangeRequest } from './on-change.js';
import { inferKind, locate, SECRET_KINDS, splitQuery, vaultPathProblem, type SecretKind, type SecretLocation } from './secret-path.js';

/**
 * The per-file annotations `vaultlet.io/<key>-<file>`: one secret, and how its file looks.
 *
 * - `secret-<file>`: the Vault path (see secret-path.ts); `kind-<file>`, `mount-<file>` refine it.
 * - `format-<file>`: json (default), env, yaml, properties, raw, pem or template; `field-<file>`
 *   for raw and pem, `env-prefix-<file>` for env.
 * - `template-<file>`: an inline Handlebars template (format template implied), with `data`,
 *   `lease` and the helpers of the agent's templates. Template files are not offered: the agent
 *   container mounts none of the pod's volumes.
 * - `file-mode-<file>`: e.g. "0440" (default 0400, or 0440 with the pod's fsGroup).
 * - `on-change-<file>`: actions run when the file changes (see on-change.ts).
 * - `track-reads-<file>`: "false" leaves the file out of the app-read metrics and alert (a CA
 *   file the app never opens); for a pki secret without a format, all three of its files.
 * A pki secret without a format writes `<file>.crt`, `<file>.key` and `<file>-ca.crt`.
 *
 * Problems name their annotation; values the agent's parser checks anyway (file modes, URLs)
 * are passed through and its problems are mapped back to the annotation (config-issues.ts).
 */

export const PREFIX = 'vaultlet.io/';

export type SecretFormat = (typeof FILE_FORMATS)[number];

export type SecretRequest = SecretLocation & {
  /** Both the file name in the secrets volume and the secret's name in metrics (pki: the files' stem). */
  file: string;
  format?: SecretFormat;
  field?: string;
  envPrefix?: string;
  /** Inline Handlebars source; the file is then rendered with it. */
  template?: string;
  /** As written ("0440"); the agent's parser checks it. */
  fileMode?: string;
  onChange?: OnChangeRequest[];
  /** false: the agent does not track whether the app reads the file (track_reads: false). */
  trackReads?: boolean;
};

export const PER_FILE = ['secret', 'kind', 'mount', 'format', 'field', 'env-prefix', 'template', 'file-mode', 'on-change', 'track-reads'] as const;
export type PerFileKey = (typeof PER_FILE)[number];
export type PerFileEntry = Partial<Record<PerFileKey, string>>;
export const PER_FILE_PATTERN = new RegExp(`^(${PER_FILE.join('|')})-(.+)$`);

export function annotationFor(key: PerFileKey, file: string): string {
  return `${PREFIX}${key}-${file}`;
}

export function secretRequest(file: string, entry: PerFileEntry, problems: string[]): SecretRequest | undefined {
  const at = (key: PerFileKey) => annotationFor(key, file);
  if (entry.secret === undefined) {
    for (const key of PER_FILE) if (entry[key] !== undefined) problems.push(orphanProblem(key, file));
    return undefined;
  }
  const before = problems.length;
  if (!SECRET_NAME.test(file)) {
    problems.push(`${at('secret')}: "${file}" must be a file name of lowercase letters, digits, "_", "." and "-", starting with a letter or digit`);
  }
  const { path, query } = splitQuery(entry.secret);
  const pathProblem = vaultPathProblem(path);
  if (pathProblem) problems.push(`${at('secret')}: ${pathProblem}`);
  const kind = entry.kind ?? inferKind(path, query);
  if (!(SECRET_KINDS as readonly string[]).includes(kind)) problems.push(`${at('kind')}: must be one of ${SECRET_KINDS.join(', ')} (got ${shown(kind)})`);
  if (entry.mount !== undefined && vaultPathProblem(entry.mount)) problems.push(`${at('mount')}: ${vaultPathProblem(entry.mount)}`);
  const format = formatOf(entry, at, problems);
  const actions = entry['on-change'] === undefined ? undefined : parseOnChange(entry['on-change']);
  for (const problem of actions?.problems ?? []) problems.push(`${at('on-change')}: ${problem}`);
  const trackReads = entry['track-reads'];
  if (trackReads !== undefined && trackReads !== 'true' && trackReads !== 'false') problems.push(`${at('track-reads')}: must be "true" or "false" (got ${shown(trackReads)})`);
  if (problems.length > before) return undefined;

  const location = locate(path, kind as SecretKind, entry.mount, query);
  if (typeof location === 'string') {
    problems.push(`${location.startsWith('only for kind') ? at('mount') : at('secret')}: ${location}`);
    return undefined;
  }
  return {
    ...location,
    file,
    ...(format !== undefined && { format }),
    ...(entry.field !== undefined && { field: entry.field }),
    ...(entry['env-prefix'] !== undefined && { envPrefix: entry['env-prefix'] }),
    ...(entry.template !== undefined && { template: entry.template }),
    ...(entry['file-mode'] !== undefined && { fileMode: entry['file-mode'] }),
    ...(actions !== undefined && { onChange: actions.actions }),
    ...(trackReads === 'false' && { trackReads: false }),
  };
}

/** The format as written, or template when a template is given; the combinations, checked. */
function formatOf(entry: PerFileEntry, at: (key: PerFileKey) => string, problems: string[]): SecretFormat | undefined {
  const written = entry.format;
  if (written !== undefined && !(FILE_FORMATS as readonly string[]).includes(written)) {
    problems.push(`${at('format')}: must be one of ${FILE_FORMATS.join(', ')} (got ${shown(written)})`);
    return undefined;
  }
  const format = (written ?? (entry.template !== undefined ? 'template' : undefined)) as SecretFormat | undefined;
  if (entry.template !== undefined && format !== 'template') problems.push(`${at('format')}: must be template (or left out) when ${at('template')} is set`);
  if (format === 'template' && entry.template === undefined) problems.push(`${at('template')}: required when ${at('format')} is template`);
  if (entry.template !== undefined && entry.template.trim() === '') problems.push(`${at('template')}: must not be empty`);
  if (format === 'raw' && entry.field === undefined) problems.push(`${at('field')}: required when ${at('format')} is raw`);
  if (format === 'pem' && entry.field === undefined) problems.push(`${at('field')}: required when ${at('format')} is pem`);
  if (format !== 'raw' && format !== 'pem' && entry.field !== undefined) problems.push(`${at('field')}: only allowed when ${at('format')} is raw or pem`);
  if (entry['env-prefix'] !== undefined) {
    if (format !== 'env') problems.push(`${at('env-prefix')}: only allowed when ${at('format')} is env`);
    else if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(entry['env-prefix'])) problems.push(`${at('env-prefix')}: must be letters, digits and "_", not starting with a digit`);
  }
  return format;
}

function orphanProblem(key: PerFileKey, file: string): string {
  // `template-file-<x>` reads as a template for a file "file-<x>": say what it would have meant.
  if (key === 'template' && file.startsWith('file-')) {
    return `${annotationFor(key, file)}: template files are not supported by the injector (the agent container mounts none of the pod's volumes); write the template inline in ${annotationFor('template', file.slice(5))}`;
  }
  return `${annotationFor(key, file)}: there is no ${annotationFor('secret', file)} annotation for this file`;
}

/** Annotation values are not secret, but they are echoed short so a refusal stays one readable line. */
export function shown(value: string): string {
  return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
}
