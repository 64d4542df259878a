import { formatPath } from './issues.js';

/**
 * Rules that span several keys. They run on the raw document, next to the schema, so one run
 * reports every problem; a key of the wrong type is left to the schema and skipped here.
 */
export function crossFieldIssues(document: unknown): string[] {
  if (!isMapping(document) || !Array.isArray(document.secrets)) return [];
  const issues: string[] = [];
  const nameOwners = new Map<string, number>();
  const fileOwners = new Map<string, number>();
  document.secrets.forEach((secret, index) => {
    if (!isMapping(secret)) return;
    const at = (key: string) => formatPath(['secrets', index, key]);
    const name = stringOr(secret.name, undefined);
    const format = secret.format === undefined ? 'json' : secret.format;
    const knownFormat = format === 'json' || format === 'env' || format === 'raw';
    if (name !== undefined) {
      const first = nameOwners.get(name);
      if (first === undefined) nameOwners.set(name, index);
      else issues.push(`${at('name')}: duplicate name "${name}" (also secrets[${first}])`);
    }
    const file = stringOr(secret.file, name !== undefined && knownFormat ? defaultFileName(name, format) : undefined);
    if (file !== undefined) {
      const first = fileOwners.get(file);
      if (first === undefined) fileOwners.set(file, index);
      else issues.push(`${at('file')}: file "${file}" is also written by secrets[${first}]`);
    }
    if (knownFormat) {
      if (format === 'raw' && secret.field === undefined) issues.push(`${at('field')}: required when format is raw`);
      if (format !== 'raw' && secret.field !== undefined) issues.push(`${at('field')}: only allowed when format is raw`);
      if (format !== 'env' && secret.env_prefix !== undefined) issues.push(`${at('env_prefix')}: only allowed when format is env`);
    }
    if (secret.kind === 'leased' && hasEntries(secret.params) && stringOr(secret.method, 'GET') !== 'POST') {
      issues.push(`${at('params')}: only allowed with method POST`);
    }
  });
  return issues;
}

export function defaultFileName(name: string, format: 'json' | 'env' | 'raw'): string {
  if (format === 'json') return `${name}.json`;
  if (format === 'env') return `${name}.env`;
  return name;
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// An empty `params: {}` is harmless with GET; a non-empty one would be silently ignored.
function hasEntries(value: unknown): boolean {
  return isMapping(value) && Object.keys(value).length > 0;
}

function stringOr<T>(value: unknown, fallback: T): string | T {
  return typeof value === 'string' ? value : fallback;
}
