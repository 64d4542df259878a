import { RenderError } from '../errors.js';
import { renderEnv } from './env.js';
import { renderJson } from './json.js';
import { renderRaw } from './raw.js';

export type OutputFormat = 'json' | 'env' | 'raw';

export interface RenderInput {
  /** The secret's name; used only to make error messages point at the right secret. */
  secret: string;
  format: OutputFormat;
  data: Record<string, unknown>;
  /** The one field written by the `raw` format. */
  field?: string;
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
    case 'raw':
      return renderRaw(secret, data, input.field);
    default:
      throw new RenderError(`secret "${secret}": unknown output format "${String(input.format)}"`);
  }
}
