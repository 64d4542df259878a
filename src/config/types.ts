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
  | { method: 'jwt'; mount: string; role: string; tokenPath: string; audience?: string }
  | { method: 'approle'; mount: string; roleIdFile: string; secretIdFile?: string; secretIdWrapped: boolean; removeSecretIdFile: boolean }
  | { method: 'token_file'; path: string; wrapped: boolean };

export interface OutputConfig {
  directory: string;
  mode: number;
  uid?: number;
  gid?: number;
}

export type SecretFormat = 'json' | 'env' | 'yaml' | 'properties' | 'raw' | 'pem' | 'template';

/** How a file's bytes are made from its secrets' data. */
export type FileRender =
  | { format: 'json' | 'yaml' | 'properties' }
  | { format: 'env'; envPrefix: string }
  | { format: 'raw'; field: string }
  | { format: 'pem'; fields: string[] }
  | { format: 'template'; template: TemplateSource };

/** Inline text or a file read when the config is loaded; `name` is what errors call it. */
export interface TemplateSource {
  name: string;
  inline?: string;
  file?: string;
}

export type OnChangeAction =
  | { kind: 'signal'; process: string; signal: NodeJS.Signals; timeoutMs: number }
  | { kind: 'http'; url: string; method: 'POST' | 'PUT'; headers?: Record<string, string>; timeoutMs: number }
  | { kind: 'command'; argv: string[]; timeoutMs: number };

/** One file in the output directory. */
export interface FileConfig {
  file: string;
  /** The secrets it is drawn from, in order; the first is `data`/`lease` in templates. */
  secrets: string[];
  render: FileRender;
  /** Resolved: the file's own mode, else output.mode. */
  mode: number;
  uid?: number;
  gid?: number;
  onChange: OnChangeAction[];
  /** false: the app's reads of the file are not watched (atime) nor reported; default true. */
  trackReads?: boolean;
  /** Where it was configured, e.g. `secrets[0].files[1]`, for error messages. */
  key: string;
}

export type LeasedSecretConfig = { name: string; kind: 'leased'; path: string; method: 'GET' | 'POST'; params?: Record<string, unknown> };
export type ReadSecretConfig = { name: string; kind: 'read'; path: string; refreshIntervalMs: number };
export type Kv2SecretConfig = { name: string; kind: 'kv2'; mount: string; path: string; version?: number; refreshIntervalMs: number };
export type Kv1SecretConfig = { name: string; kind: 'kv1'; mount: string; path: string; refreshIntervalMs: number };
export type PkiSecretConfig = { name: string; kind: 'pki'; mount: string; role: string; params: Record<string, unknown>; rotateFraction: number };
export type StaticSecretConfig = { name: string; kind: 'static'; mount: string; role: string };

export type SecretConfig = LeasedSecretConfig | ReadSecretConfig | Kv2SecretConfig | Kv1SecretConfig | PkiSecretConfig | StaticSecretConfig;

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface Config {
  vault: VaultConfig;
  auth: AuthConfig;
  output: OutputConfig;
  secrets: SecretConfig[];
  /** Every file written, from `secrets[].file(s)` and `templates:`. */
  files: FileConfig[];
  actions: { debounceMs: number };
  readEndpoint: { host: string; port: number } | false;
  listen: { host: string; port: number } | false;
  /** false: no state file, every start leases anew. */
  state: { file: string } | false;
  shutdown: { revoke: boolean; gracePeriodMs: number };
  log: { level: LogLevel };
}
