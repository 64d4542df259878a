import { RenderError } from '../errors.js';

/** Characters that need no quoting in sh and in dotenv parsers. */
const SAFE_VALUE = /^[A-Za-z0-9_./:@%+,=-]*$/;

/**
 * `KEY=value` lines that both `. ./file` in sh and common dotenv parsers read back unchanged.
 * Unsafe values are single-quoted POSIX style, because inside single quotes sh expands nothing
 * (`$`, backticks, backslashes and newlines are all literal).
 */
export function renderEnv(secret: string, data: Record<string, unknown>, prefix: string): Buffer {
  const keyByName = new Map<string, string>();
  const lines: string[] = [];
  for (const [key, value] of Object.entries(data)) {
    const name = envName(prefix + key);
    if (name === '') {
      throw new RenderError(`secret "${secret}": key "${key}" gives an empty variable name`);
    }
    const earlier = keyByName.get(name);
    if (earlier !== undefined) {
      throw new RenderError(
        `secret "${secret}": keys "${earlier}" and "${key}" both become the variable ${name}`,
      );
    }
    keyByName.set(name, key);
    lines.push(`${name}=${envValue(secret, key, value)}\n`);
  }
  return Buffer.from(lines.join(''), 'utf8');
}

/** Upper-cased, anything outside [A-Z0-9_] becomes `_`, and a leading digit gets a `_` prefix. */
export function envName(raw: string): string {
  const name = raw.toUpperCase().replace(/[^A-Z0-9_]/g, '_');
  return /^[0-9]/.test(name) ? `_${name}` : name;
}

function envValue(secret: string, key: string, value: unknown): string {
  let text: string;
  try {
    text = envText(value);
  } catch (error) {
    throw new RenderError(`secret "${secret}": the value of key "${key}" cannot be written as JSON`, { cause: error });
  }
  if (text.includes('\0')) {
    throw new RenderError(
      `secret "${secret}": the value of key "${key}" contains a NUL byte, which a shell variable cannot hold`,
    );
  }
  return SAFE_VALUE.test(text) ? text : `'${text.replaceAll("'", "'\\''")}'`;
}

function envText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return JSON.stringify(value) ?? '';
}
