import { stringify } from 'yaml';
import { parseConfig } from '../config/index.js';
import { ConfigError } from '../errors.js';
import type { InjectionRequest, SecretRequest } from './annotations.js';
import type { InjectorSettings } from './settings.js';

/** Where the injected sidecar finds what the injector mounts for it. */
export const TOKEN_DIRECTORY = '/var/run/secrets/vaultlet';
export const CA_DIRECTORY = '/etc/vaultlet/ca';

export interface PodIdentity {
  /** The pod's fsGroup: files become 0440 with that group so an app running as another user can read them. */
  fsGroup?: number;
}

/**
 * The vaultlet config for one pod, as the YAML the agent reads from its VAULTLET_CONFIG
 * variable. It is run through the agent's own parser here, so a pod is never admitted with a
 * sidecar that would exit 2 at start.
 */
export function agentConfigYaml(request: InjectionRequest, settings: InjectorSettings, pod: PodIdentity): string {
  const document = {
    vault: {
      address: settings.vault.address,
      ...(settings.vault.namespace !== undefined && { namespace: settings.vault.namespace }),
      ...(settings.vault.ca_config_map !== undefined && { ca_cert: `${CA_DIRECTORY}/ca.crt` }),
    },
    auth: { method: 'kubernetes', mount: settings.auth.mount, role: request.role, token_path: `${TOKEN_DIRECTORY}/token` },
    output: {
      directory: settings.secrets_path,
      ...(pod.fsGroup === undefined ? { mode: '0400' } : { mode: '0440', gid: pod.fsGroup }),
    },
    secrets: request.secrets.map(secretEntry),
    listen: request.mode === 'once' ? false : { host: '0.0.0.0', port: settings.agent_port },
    shutdown: { revoke: request.mode !== 'once' },
  };
  const text = stringify(document);
  try {
    // An empty environment: the injector's own VAULT_* variables must not hide a bad value.
    parseConfig(text, 'generated vaultlet config', {});
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    throw new ConfigError('vaultlet injection refused: the annotations give an invalid vaultlet config', error.issues, { cause: error });
  }
  return text;
}

function secretEntry(secret: SecretRequest): Record<string, unknown> {
  return {
    name: secret.file,
    kind: secret.kind,
    ...(secret.kind === 'kv2' && { mount: secret.mount }),
    path: secret.path,
    file: secret.file,
    ...(secret.format !== undefined && { format: secret.format }),
    ...(secret.field !== undefined && { field: secret.field }),
    ...(secret.envPrefix !== undefined && { env_prefix: secret.envPrefix }),
  };
}
