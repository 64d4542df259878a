import { join } from 'node:path';
import { defaultFileName } from './cross-checks.js';
import type { ConfigDocument } from './schema.js';
import type { AuthConfig, Config, SecretConfig, VaultConfig } from './types.js';

/**
 * Inside the output volume by default (a tmpfs that lives as long as the pod), in a hidden
 * directory of mode 0700 so an app running as another user cannot read the agent's token.
 */
export const DEFAULT_STATE_PATH = '.vaultlet/state.json';

/** Maps the validated snake_case document to the camelCase Config; optional keys left out stay absent. */
export function buildConfig(document: ConfigDocument, vaultOverrides: Partial<VaultConfig>): Config {
  const { vault, auth, output, listen, state, shutdown, log } = document;
  return {
    vault: {
      ...defined({
        address: vault.address,
        namespace: vault.namespace,
        caCert: vault.ca_cert,
        caPath: vault.ca_path,
        clientCert: vault.client_cert,
        clientKey: vault.client_key,
        tlsSkipVerify: vault.tls_skip_verify,
        maxRetries: vault.max_retries,
        requestTimeoutMs: vault.request_timeout,
        retryCapMs: vault.retry_cap,
      }),
      ...vaultOverrides,
    } as VaultConfig,
    auth: buildAuth(auth),
    output: defined({ directory: output.directory, mode: output.mode, uid: output.uid, gid: output.gid }),
    secrets: document.secrets.map((secret) => buildSecret(secret, output.mode)),
    listen: listen === false ? false : { host: listen.host, port: listen.port },
    state: state === false ? false : { file: state.file ?? join(output.directory, DEFAULT_STATE_PATH) },
    shutdown: { revoke: shutdown.revoke, gracePeriodMs: shutdown.grace_period },
    log: { level: log.level },
  };
}

function buildAuth(auth: ConfigDocument['auth']): AuthConfig {
  if (auth.method === 'token_file') return { method: 'token_file', path: auth.path };
  return { method: 'kubernetes', mount: auth.mount, role: auth.role, tokenPath: auth.token_path };
}

function buildSecret(secret: ConfigDocument['secrets'][number], outputMode: number): SecretConfig {
  const common = defined({
    name: secret.name,
    file: secret.file ?? defaultFileName(secret.name, secret.format),
    format: secret.format,
    field: secret.field,
    envPrefix: secret.env_prefix,
    mode: secret.mode ?? outputMode,
  });
  if (secret.kind === 'leased') {
    return { ...common, ...defined({ kind: secret.kind, path: secret.path, method: secret.method, params: secret.params }) };
  }
  return {
    ...common,
    ...defined({
      kind: secret.kind, mount: secret.mount, path: secret.path, version: secret.version, refreshIntervalMs: secret.refresh_interval,
    }),
  };
}

/** Drops undefined entries so optional keys are absent rather than present-and-undefined. */
function defined<T extends Record<string, unknown>>(record: T): T {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined)) as T;
}
