export type {
  AuthConfig, Config, Kv2SecretConfig, LeasedSecretConfig, LogLevel, OutputConfig, SecretCommon, SecretConfig, SecretFormat, VaultConfig,
} from './types.js';
export { parseConfig, loadConfig } from './load.js';
export { configJsonSchema } from './json-schema.js';
export { parseDuration } from './duration.js';
