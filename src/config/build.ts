import type { ConfigDocument } from './schema.js';
import type { AuthConfig, Config, FileConfig, SecretConfig, VaultConfig } from './types.js';

/** Maps the validated snake_case document to the camelCase Config; optional keys left out stay absent. */
export function buildConfig(document: ConfigDocument, files: FileConfig[], vaultOverrides: Partial<VaultConfig>): Config {
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
    secrets: document.secrets.map(buildSecret),
    files,
    actions: { debounceMs: document.actions.debounce },
    readEndpoint: document.read_endpoint === false ? false : { host: document.read_endpoint.host, port: document.read_endpoint.port },
    listen: listen === false ? false : { host: listen.host, port: listen.port },
    state: state === false ? false : { file: state.file },
    shutdown: { revoke: shutdown.revoke, gracePeriodMs: shutdown.grace_period },
    log: { level: log.level },
  };
}

function buildAuth(auth: ConfigDocument['auth']): AuthConfig {
  switch (auth.method) {
    case 'token_file':
      return { method: 'token_file', path: auth.path, wrapped: auth.wrapped };
    case 'approle':
      return defined({
        method: 'approle' as const, mount: auth.mount, roleIdFile: auth.role_id_file, secretIdFile: auth.secret_id_file,
        secretIdWrapped: auth.secret_id_wrapped, removeSecretIdFile: auth.remove_secret_id_file,
      });
    case 'jwt':
      return defined({ method: 'jwt' as const, mount: auth.mount, role: auth.role, tokenPath: auth.token_path, audience: auth.audience });
    case 'kubernetes':
      return { method: 'kubernetes', mount: auth.mount, role: auth.role, tokenPath: auth.token_path };
  }
}

function buildSecret(secret: ConfigDocument['secrets'][number]): SecretConfig {
  const { name } = secret;
  switch (secret.kind) {
    case 'leased':
      return defined({ name, kind: secret.kind, path: secret.path, method: secret.method, params: secret.params });
    case 'read':
      return { name, kind: secret.kind, path: secret.path, refreshIntervalMs: secret.refresh_interval };
    case 'kv2':
      return defined({ name, kind: secret.kind, mount: secret.mount, path: secret.path, version: secret.version, refreshIntervalMs: secret.refresh_interval });
    case 'kv1':
      return { name, kind: secret.kind, mount: secret.mount, path: secret.path, refreshIntervalMs: secret.refresh_interval };
    case 'pki':
      return { name, kind: secret.kind, mount: secret.mount, role: secret.role, params: secret.params ?? {}, rotateFraction: secret.rotate_fraction };
    case 'static':
      return { name, kind: secret.kind, mount: secret.mount, role: secret.role };
  }
}

/** Drops undefined entries so optional keys are absent rather than present-and-undefined. */
function defined<T extends Record<string, unknown>>(record: T): T {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined)) as T;
}
