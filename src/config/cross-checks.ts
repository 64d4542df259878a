import { isAbsolute, relative } from 'node:path';
import { formatPath } from './issues.js';

/**
 * Rules that span several keys. They run on the raw document, next to the schema, so one run
 * reports every problem; a key of the wrong type is left to the schema and skipped here.
 */
export function crossFieldIssues(document: unknown): string[] {
  if (!isMapping(document)) return [];
  const issues: string[] = [...authIssues(document.auth), ...stateIssues(document)];
  if (!Array.isArray(document.secrets)) return issues;
  const nameOwners = new Map<string, number>();
  document.secrets.forEach((secret, index) => {
    if (!isMapping(secret)) return;
    const at = (key: string) => formatPath(['secrets', index, key]);
    const name = stringOr(secret.name, undefined);
    if (name !== undefined) {
      const first = nameOwners.get(name);
      if (first === undefined) nameOwners.set(name, index);
      else issues.push(`${at('name')}: duplicate name "${name}" (also secrets[${first}])`);
    }
    if (secret.kind === 'leased' && hasEntries(secret.params) && stringOr(secret.method, 'GET') !== 'POST') {
      issues.push(`${at('params')}: only allowed with method POST`);
    }
  });
  return issues;
}

function authIssues(auth: unknown): string[] {
  if (!isMapping(auth) || auth.method !== 'approle') return [];
  const issues: string[] = [];
  if (auth.secret_id_file === undefined) {
    for (const key of ['secret_id_wrapped', 'remove_secret_id_file']) {
      if (auth[key] === true) issues.push(`auth.${key}: needs secret_id_file`);
    }
  }
  return issues;
}

/**
 * Refused, not warned about: whoever can read the app's files (its user, root, a container that
 * shares the user) could read the agent's Vault token, and with it every secret the role reaches.
 * A warning in a sidecar's log is read after the fact. Compared as written; symlinks are the
 * state file's own checks' business.
 */
function stateIssues(document: Record<string, unknown>): string[] {
  const state = document.state;
  const output = document.output;
  if (!isMapping(state) || !isMapping(output) || typeof state.file !== 'string' || typeof output.directory !== 'string') return [];
  if (!isAbsolute(state.file) || !isAbsolute(output.directory)) return []; // the schema names these
  const inside = relative(output.directory, state.file);
  if (inside === '..' || inside.startsWith('../') || isAbsolute(inside)) return [];
  return [
    `state.file: must be outside output.directory (${output.directory}): the state file holds the agent's Vault token, and the app reads that directory; ` +
      'put it on a volume only the agent mounts, e.g. /var/lib/vaultlet/agent/state.json',
  ];
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
