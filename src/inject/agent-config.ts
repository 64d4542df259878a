import { stringify } from 'yaml';
import { parseConfig } from '../config/index.js';
import { ConfigError, TemplateError } from '../errors.js';
import { compileTemplate } from '../render/template.js';
import type { InjectionRequest, SecretRequest } from './annotations.js';
import { annotationIssues } from './config-issues.js';
import { annotationFor } from './file-annotations.js';
import { DEFAULT_FILE_MODE } from './identity.js';
import type { InjectorSettings } from './settings.js';

/** Where the injected sidecar finds what the injector mounts for it. */
export const TOKEN_DIRECTORY = '/var/run/secrets/vaultlet';
export const CA_DIRECTORY = '/etc/vaultlet/ca';

export interface PodFiles {
  /** The group every container of the pod has (see identity.ts): files are 0440 with it. */
  group: number;
}

/** Inside the agent's own volume, in a directory the agent creates (mode 0700) on first save. */
export function stateFile(settings: InjectorSettings): string {
  return `${settings.state_path.replace(/\/+$/, '')}/agent/state.json`;
}

/**
 * The vaultlet config for one pod, as the YAML the agent reads from its VAULTLET_CONFIG
 * variable. It is run through the agent's own parser, and its templates compiled, here, so a pod
 * is never admitted with a sidecar that would exit 2 at start; problems name the annotations.
 */
export function agentConfigYaml(request: InjectionRequest, settings: InjectorSettings, files: PodFiles): string {
  const document = {
    vault: {
      address: settings.vault.address,
      ...(settings.vault.namespace !== undefined && { namespace: settings.vault.namespace }),
      ...(hasCa(settings) && { ca_cert: `${CA_DIRECTORY}/ca.crt` }),
    },
    auth: authEntry(request, settings),
    output: {
      directory: settings.secrets_path,
      mode: `0${DEFAULT_FILE_MODE.toString(8)}`,
      gid: files.group,
    },
    secrets: request.secrets.map(secretEntry),
    listen: request.mode === 'once' ? false : { host: '0.0.0.0', port: settings.agent_port },
    // The token and leases, handed from the init run to the sidecar, where no app container looks.
    // Nothing follows a `once`-only agent, so it keeps nothing.
    state: request.mode === 'once' ? false : { file: stateFile(settings) },
    shutdown: { revoke: request.mode !== 'once' },
  };
  const text = stringify(document);
  const issues = templateIssues(request);
  try {
    // An empty environment: the injector's own VAULT_* variables must not hide a bad value.
    parseConfig(text, 'generated vaultlet config', {});
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    issues.unshift(...annotationIssues(error.issues, request));
  }
  if (issues.length) throw new ConfigError('vaultlet injection refused: the annotations give an invalid vaultlet config', issues);
  return text;
}

export function hasCa(settings: InjectorSettings): boolean {
  return settings.vault.ca_config_map !== undefined || settings.vault.ca_secret !== undefined;
}

/** The audience of the projected token the agent logs in with. */
export function tokenAudience(request: InjectionRequest, settings: InjectorSettings): string {
  return request.auth.audience ?? settings.auth.audience;
}

function authEntry(request: InjectionRequest, settings: InjectorSettings): Record<string, unknown> {
  const tokenPath = `${TOKEN_DIRECTORY}/token`;
  if (request.auth.method === 'kubernetes') return { method: 'kubernetes', mount: settings.auth.mount, role: request.role, token_path: tokenPath };
  // The agent checks the token's audience before each login, so a mismatch is named in its log.
  return { method: 'jwt', mount: settings.auth.jwt_mount, role: request.role, token_path: tokenPath, audience: tokenAudience(request, settings) };
}

function secretEntry(secret: SecretRequest): Record<string, unknown> {
  // A certificate with nothing said about its file gets the agent's layout: <name>.crt, .key, -ca.crt.
  const ownFile = secret.kind !== 'pki' || secret.format !== undefined;
  return {
    name: secret.file,
    ...location(secret),
    ...(ownFile && { file: secret.file }),
    ...(secret.format !== undefined && { format: secret.format }),
    ...(secret.field !== undefined && { field: secret.field }),
    ...(secret.envPrefix !== undefined && { env_prefix: secret.envPrefix }),
    ...(secret.template !== undefined && { template: secret.template }),
    ...(secret.fileMode !== undefined && { mode: secret.fileMode }),
    ...(secret.onChange !== undefined && { on_change: secret.onChange }),
    ...(secret.trackReads === false && { track_reads: false }),
  };
}

function location(secret: SecretRequest): Record<string, unknown> {
  switch (secret.kind) {
    case 'leased':
    case 'read':
      return { kind: secret.kind, path: secret.path };
    case 'kv2':
    case 'kv1':
      return { kind: secret.kind, mount: secret.mount, path: secret.path };
    case 'pki':
      return { kind: secret.kind, mount: secret.mount, role: secret.role, ...(Object.keys(secret.params).length > 0 && { params: secret.params }) };
    case 'static':
      return { kind: secret.kind, mount: secret.mount, role: secret.role };
  }
}

/**
 * Inline templates compiled as the agent will compile them (its compileTemplates also reads
 * template files, hence async; annotations only carry inline text, so this stays synchronous).
 */
function templateIssues(request: InjectionRequest): string[] {
  const issues: string[] = [];
  for (const secret of request.secrets) {
    if (secret.template === undefined) continue;
    try {
      compileTemplate(secret.file, secret.template);
    } catch (error) {
      if (!(error instanceof TemplateError)) throw error;
      // `template "x" line 3: …` → `line 3: …`: the annotation already names the file.
      const reason = error.message.replace(`template "${error.template}"`, '').trimStart().replace(/^: /, '');
      issues.push(`${annotationFor('template', secret.file)}: ${reason}`);
    }
  }
  return issues;
}
