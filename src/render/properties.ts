import { escapeKey, escapeValue } from 'properties-file/escape';
import { RenderError } from '../errors.js';

/**
 * Java `.properties`, one `key=value` line per entry. Nested objects become dotted keys
 * (`{db: {user: "x"}}` → `db.user=x`, as Spring reads them); lists, numbers, booleans, null and
 * empty objects are written as JSON text. Keys and values are escaped by the `properties-file`
 * package, which follows `java.util.Properties.load` exactly (spaces, `=`, `:`, `#`, `!`,
 * backslashes, line breaks).
 *
 * Encoding: the file is UTF-8, and in fact pure ASCII — every non-ASCII character is written as
 * a `\uXXXX` escape. `Properties.load(InputStream)` and Spring Boot read `.properties` as
 * ISO-8859-1, Java 9+ resource bundles as UTF-8; an ASCII file reads the same under both.
 */
export function renderProperties(secret: string, data: Record<string, unknown>): Buffer {
  const lines: string[] = [];
  const pathByKey = new Map<string, string>();
  for (const [key, value] of flatten(data, [])) {
    const flatKey = key.join('.');
    const earlier = pathByKey.get(flatKey);
    if (earlier !== undefined) {
      throw new RenderError(
        `secret "${secret}": keys ${earlier} and ${describe(key)} both become the property "${flatKey}"`,
      );
    }
    pathByKey.set(flatKey, describe(key));
    lines.push(`${escapeKey(flatKey, true)}=${escapeValue(propertyText(secret, key, value), true)}\n`);
  }
  return Buffer.from(lines.join(''), 'utf8');
}

/** Leaf values with their key path, depth first in the data's own order. */
function* flatten(value: Record<string, unknown>, path: string[]): Generator<[string[], unknown]> {
  for (const [key, child] of Object.entries(value)) {
    if (child === undefined) continue; // as JSON.stringify does
    const childPath = [...path, key];
    if (isNonEmptyPlainObject(child)) yield* flatten(child, childPath);
    else yield [childPath, child];
  }
}

function isNonEmptyPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length > 0;
}

function propertyText(secret: string, key: string[], value: unknown): string {
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value);
  } catch (error) {
    // A BigInt or a cycle; the cause can name a type but never a value.
    throw new RenderError(`secret "${secret}": the value of key ${describe(key)} cannot be written as JSON`, { cause: error });
  }
}

/** A key path as the user wrote it in the secret, e.g. `"db" → "user"`. */
function describe(path: string[]): string {
  return path.map((part) => JSON.stringify(part)).join(' → ');
}
