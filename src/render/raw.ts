import { RenderError } from '../errors.js';

/** One field of the data: strings byte for byte, anything else as compact JSON. */
export function renderRaw(secret: string, data: Record<string, unknown>, field: string | undefined): Buffer {
  if (field === undefined || field === '') {
    throw new RenderError(`secret "${secret}": the raw format needs a "field" to write`);
  }
  const value = Object.hasOwn(data, field) ? data[field] : undefined;
  if (value === undefined) {
    const available = Object.keys(data);
    throw new RenderError(
      `secret "${secret}": field "${field}" is not in the data ` +
        `(available fields: ${available.length ? available.join(', ') : 'none'})`,
    );
  }
  if (typeof value === 'string') return Buffer.from(value, 'utf8');
  try {
    return Buffer.from(JSON.stringify(value), 'utf8');
  } catch (error) {
    throw new RenderError(`secret "${secret}": field "${field}" cannot be written as JSON`, { cause: error });
  }
}
