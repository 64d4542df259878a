import type { Config } from '../config/index.js';
import { loadConfig, parseConfig } from '../config/index.js';
import { ConfigError } from '../errors.js';
import { compileTemplates } from '../files/compile-templates.js';
import type { CompiledTemplate } from '../render/template.js';

/** A validated config with its templates compiled: everything the agent needs before any Vault call. */
export interface LoadedConfig {
  readonly config: Config;
  readonly templates: ReadonlyMap<string, CompiledTemplate>;
}

/** Where the config comes from; a file can be watched and read again for a reload. */
export interface ConfigSource {
  readonly file?: string;
  load(): Promise<LoadedConfig>;
}

export function fileConfigSource(file: string): ConfigSource {
  return {
    file,
    async load() {
      const config = await loadConfig(file);
      return { config, templates: await compileTemplates(config.files, file) };
    },
  };
}

/** The injector's way: the whole config in one environment variable, fixed for the process's life. */
export function envConfigSource(name: string, env: NodeJS.ProcessEnv = process.env): ConfigSource {
  return {
    async load() {
      const text = env[name];
      if (!text) throw new ConfigError(`--config-env ${name}: the variable is not set`);
      const config = parseConfig(text, `$${name}`);
      return { config, templates: await compileTemplates(config.files, `$${name}`) };
    },
  };
}
