import { RenderError } from '../errors.js';

/** Pretty JSON (2 spaces) with a trailing newline, keys in the order the data gives them. */
export function renderJson(secret: string, data: Record<string, unknown>): Buffer {
  let text: string;
  try {
    text = JSON.stringify(data, null, 2);
  } catch (error) {
    // BigInt or a cycle; the original message can quote a key path but never a value.
    throw new RenderError(`secret "${secret}": data cannot be written as JSON`, { cause: error });
  }
  return Buffer.from(`${text}\n`, 'utf8');
}
