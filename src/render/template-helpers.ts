/**
 * The helpers templates may call. Each takes positional arguments only; a helper that fails
 * says what is wrong with its input (kind, length, encoding), never the input itself.
 */

/** A helper refused its input. `line` is the template line of the call, when Handlebars knows it. */
export class HelperFailure extends Error {
  constructor(readonly helper: string, reason: string, readonly line: number | undefined) {
    super(`helper "${helper}": ${reason}`);
  }
}

/** Thrown inside a helper body; the wrapper adds the helper's name and the line. */
class Refused extends Error {}

interface Helper {
  /** How many positional arguments the helper takes, at least and at most. */
  arity: [number, number];
  call(args: unknown[]): unknown;
}

const STANDARD_OR_URL_BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export const HELPERS: Readonly<Record<string, Helper>> = {
  /** `{{base64 data.password}}`: the value's UTF-8 bytes in standard base64 with padding. */
  base64: { arity: [1, 1], call: ([value]) => Buffer.from(text(value), 'utf8').toString('base64') },

  /**
   * `{{base64decode data.blob}}`: standard or URL-safe base64 (padding optional, line breaks
   * ignored) decoded to UTF-8 text. Refuses input that is not base64 or bytes that are not UTF-8,
   * rather than writing a mangled credential.
   */
  base64decode: {
    arity: [1, 1],
    call: ([value]) => {
      if (typeof value !== 'string') throw new Refused(`expects a string, got ${kindOf(value)}`);
      const compact = value.replace(/\s+/g, '');
      if (!STANDARD_OR_URL_BASE64.test(compact) || compact.replace(/=+$/, '').length % 4 === 1) {
        throw new Refused('the value is not valid base64');
      }
      try {
        return utf8.decode(Buffer.from(compact, 'base64'));
      } catch {
        throw new Refused('the decoded bytes are not UTF-8 text; write binary data with the raw format');
      }
    },
  },

  /** `{{json data}}`: compact JSON; a string becomes a JSON string, also valid in YAML and TOML. */
  json: { arity: [1, 1], call: ([value]) => toJson(value, undefined) },

  /** `{{json_pretty data}}`: JSON indented by two spaces. */
  json_pretty: { arity: [1, 1], call: ([value]) => toJson(value, 2) },

  /**
   * `{{quote data.password}}`: one POSIX sh word in single quotes, read back exactly by `sh`
   * (`$`, backticks, backslashes, newlines stay literal): `'it'\''s'`. NUL is refused.
   */
  quote: {
    arity: [1, 1],
    call: ([value]) => {
      const word = text(value);
      if (word.includes('\0')) throw new Refused('the value contains a NUL byte, which no shell word can hold');
      return `'${word.replaceAll("'", "'\\''")}'`;
    },
  },

  /**
   * `{{default data.port 5432}}`: the value, or the fallback when it is null, missing or "".
   * Strict mode still rejects a missing key in a plain path; for optional keys write
   * `{{default (lookup data "port") 5432}}`.
   */
  default: { arity: [2, 2], call: ([value, fallback]) => (value === undefined || value === null || value === '' ? fallback : value) },

  /** `{{join data.hosts ","}}`: a list's items as text, with the separator (default ","). */
  join: {
    arity: [1, 2],
    call: ([list, separator = ',']) => {
      if (!Array.isArray(list)) throw new Refused(`expects a list, got ${kindOf(list)}`);
      return list.map(text).join(text(separator));
    },
  },

  /**
   * `{{indent 4 data.certificate}}`: every non-empty line prefixed with that many spaces, as
   * Helm's `indent` does, for embedding a PEM or JSON in a YAML block.
   */
  indent: {
    arity: [2, 2],
    call: ([count, value]) => {
      if (!Number.isInteger(count) || (count as number) < 0 || (count as number) > 100) {
        throw new Refused('the first argument must be a number of spaces from 0 to 100');
      }
      return text(value).replace(/^(?=[^\n])/gm, ' '.repeat(count as number));
    },
  },

  /** `{{trim data.token}}`: the text without leading and trailing whitespace (e.g. a final newline). */
  trim: { arity: [1, 1], call: ([value]) => text(value).trim() },
};

/** Registers every helper on an isolated Handlebars environment. */
export function registerHelpers(environment: { registerHelper(name: string, fn: (...args: unknown[]) => unknown): void }): void {
  for (const [name, helper] of Object.entries(HELPERS)) {
    environment.registerHelper(name, (...args: unknown[]) => {
      const options = args.pop() as { loc?: { start?: { line?: number } } } | undefined;
      const line = options?.loc?.start?.line;
      const [min, max] = helper.arity;
      if (args.length < min || args.length > max) {
        const wanted = min === max ? `${min}` : `${min} to ${max}`;
        throw new HelperFailure(name, `takes ${wanted} argument(s), got ${args.length}`, line);
      }
      try {
        return helper.call(args);
      } catch (error) {
        // Anything else (e.g. a RangeError from a huge value) could quote its input: say only its kind.
        const reason = error instanceof Refused ? error.message : `failed (${(error as Error)?.name ?? 'error'})`;
        throw new HelperFailure(name, reason, line);
      }
    });
  }
}

/** Strings as they are, null/undefined as "", other scalars as text, lists and maps as JSON. */
function text(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return toJson(value, undefined);
}

function toJson(value: unknown, indent: number | undefined): string {
  let json: string | undefined;
  try {
    json = JSON.stringify(value, null, indent);
  } catch {
    throw new Refused(`the ${kindOf(value)} cannot be written as JSON`);
  }
  return json ?? 'null';
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'list';
  return typeof value === 'object' ? 'map' : typeof value;
}
