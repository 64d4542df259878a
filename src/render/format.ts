import { RenderError } from '../errors.js';
import { renderEnv } from './env.js';
import { renderJson } from './json.js';
import { renderPem } from './pem.js';
import { renderProperties } from './properties.js';
import { renderRaw } from './raw.js';
import { renderYaml } from './yaml.js';

/** The formats made from one secret's data alone (templates are rendered in render/template.ts). */
export type OutputFormat = 'json' | 'env' | 'yaml' | 'properties' | 'raw' | 'pem';

export interface RenderInput {
  /** The secret's name; used only to make error messages point at the right secret. */
  secret: string;
  format: OutputFormat;
  data: Record<string, unknown>;
  /** The one field written by the `raw` format. */
  field?: string;
  /** The fields whose PEM blocks the `pem` format concatenates. */
  fields?: readonly string[];
  /** Prepended to every variable name by the `env` format. */
  envPrefix?: string;
}

/** Turns one secret's data into the exact bytes of its output file. */
export function renderSecret(input: RenderInput): Buffer {
  const { secret, data } = input;
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new RenderError(`secret "${secret}": data is not a key/value object`);
  }
  switch (input.format) {
    case 'json':
      return renderJson(secret, data);
    case 'env':
      return renderEnv(secret, data, input.envPrefix ?? '');
    case 'yaml':
      return renderYaml(secret, data);
    case 'properties':
      return renderProperties(secret, data);
    case 'raw':
      return renderRaw(secret, data, input.field);
    case 'pem':
      return renderPem(secret, data, input.fields ?? (input.field ? [input.field] : []));
    default:
      throw new RenderError(`secret "${secret}": unknown output format "${String(input.format)}"`);
  }
}
