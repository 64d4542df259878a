export type {
  AuthConfig, Config, FileConfig, FileRender, Kv1SecretConfig, Kv2SecretConfig, LeasedSecretConfig, LogLevel, OnChangeAction, OutputConfig,
  PkiSecretConfig, ReadSecretConfig, SecretConfig, SecretFormat, StaticSecretConfig, TemplateSource, VaultConfig,
} from './types.js';
export { parseConfig, loadConfig } from './load.js';
export { configJsonSchema } from './json-schema.js';
export { parseDuration } from './duration.js';
