/** The resolved configuration handed to the rest of vaultlet: camelCase, defaults filled, durations in ms. */

export interface VaultConfig {
  address: string;
  namespace?: string;
  caCert?: string;
  caPath?: string;
  clientCert?: string;
  clientKey?: string;
  tlsSkipVerify: boolean;
  maxRetries: number;
  requestTimeoutMs: number;
  retryCapMs: number;
}

export type AuthConfig =
  | { method: 'kubernetes'; mount: string; role: string; tokenPath: string }
  | { method: 'token_file'; path: string };

export interface OutputConfig {
  directory: string;
  mode: number;
  uid?: number;
  gid?: number;
}

export type SecretFormat = 'json' | 'env' | 'raw';

export interface SecretCommon {
  name: string;
  file: string;
  format: SecretFormat;
  field?: string;
  envPrefix?: string;
  /** Resolved: the secret's own mode, else output.mode. */
  mode: number;
}

export type LeasedSecretConfig = SecretCommon & {
  kind: 'leased';
  path: string;
  method: 'GET' | 'POST';
  params?: Record<string, unknown>;
};

export type Kv2SecretConfig = SecretCommon & {
  kind: 'kv2';
  mount: string;
  path: string;
  version?: number;
  refreshIntervalMs: number;
};

export type SecretConfig = LeasedSecretConfig | Kv2SecretConfig;

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface Config {
  vault: VaultConfig;
  auth: AuthConfig;
  output: OutputConfig;
  secrets: SecretConfig[];
  listen: { host: string; port: number } | false;
  /** false: no state file, every start leases anew. */
  state: { file: string } | false;
  shutdown: { revoke: boolean; gracePeriodMs: number };
  log: { level: LogLevel };
}
