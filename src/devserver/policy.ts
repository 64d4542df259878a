/**
 * Vault ACL policies: parse the HCL subset people write (and the JSON form), then decide a
 * capability for a path the way Vault does. Pure functions; no state.
 */
export type Capability = 'create' | 'read' | 'update' | 'delete' | 'list' | 'sudo' | 'deny';
export const CAPABILITIES: readonly Capability[] = ['create', 'read', 'update', 'delete', 'list', 'sudo', 'deny'];

export interface PathRule {
  pattern: string;
  capabilities: Capability[];
}

export class PolicyParseError extends Error {}

/** Pre-0.9 `policy = "read"` shorthand, still accepted by Vault. */
const LEGACY_POLICY: Record<string, Capability[]> = {
  deny: ['deny'],
  read: ['read', 'list'],
  write: ['create', 'read', 'update', 'delete', 'list'],
  sudo: ['create', 'read', 'update', 'delete', 'list', 'sudo'],
};

export function parsePolicy(text: string): PathRule[] {
  const trimmed = text.trim();
  const tree = trimmed.startsWith('{') ? parseJson(trimmed) : parseHcl(trimmed);
  const paths = tree['path'];
  if (paths === undefined) return [];
  if (!isObject(paths)) throw new PolicyParseError('"path" must be a block with a path name');
  return Object.entries(paths).map(([pattern, body]) => ruleFor(pattern, body));
}

function ruleFor(pattern: string, body: unknown): PathRule {
  const block = Array.isArray(body) ? Object.assign({}, ...body) : body;
  if (!isObject(block)) throw new PolicyParseError(`path "${pattern}": expected a block`);
  const capabilities = new Set<Capability>();
  const listed = block['capabilities'];
  if (listed !== undefined) {
    if (!Array.isArray(listed)) throw new PolicyParseError(`path "${pattern}": capabilities must be a list`);
    for (const cap of listed) {
      if (!CAPABILITIES.includes(cap as Capability)) {
        throw new PolicyParseError(`path "${pattern}": invalid capability ${JSON.stringify(cap)}`);
      }
      capabilities.add(cap as Capability);
    }
  }
  const legacy = block['policy'];
  if (typeof legacy === 'string') {
    const caps = LEGACY_POLICY[legacy];
    if (!caps) throw new PolicyParseError(`path "${pattern}": invalid policy ${JSON.stringify(legacy)}`);
    caps.forEach((cap) => capabilities.add(cap));
  }
  return { pattern, capabilities: [...capabilities] };
}

function parseJson(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    if (isObject(value)) return value;
  } catch {
    // fall through to the shared message
  }
  throw new PolicyParseError('failed to parse policy: invalid JSON');
}

type Token = { kind: 'string' | 'ident' | 'punct'; text: string };

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  const pattern = /\s+|#[^\n]*|\/\/[^\n]*|\/\*[\s\S]*?\*\/|"((?:[^"\\]|\\.)*)"|([A-Za-z_][\w.-]*|-?\d+(?:\.\d+)?)|([{}[\]=,:])/y;
  let index = 0;
  while (index < text.length) {
    pattern.lastIndex = index;
    const match = pattern.exec(text);
    if (!match) throw new PolicyParseError(`failed to parse policy near ${JSON.stringify(text.slice(index, index + 20))}`);
    index = pattern.lastIndex;
    if (match[1] !== undefined) tokens.push({ kind: 'string', text: JSON.parse(`"${match[1]}"`) as string });
    else if (match[2] !== undefined) tokens.push({ kind: 'ident', text: match[2] });
    else if (match[3] !== undefined) tokens.push({ kind: 'punct', text: match[3] });
  }
  return tokens;
}

/** HCL body: `key = value`, `key "label" { body }`; labelled blocks nest as objects by label. */
function parseHcl(text: string): Record<string, unknown> {
  const tokens = tokenize(text);
  let pos = 0;
  const peek = () => tokens[pos];
  const next = () => {
    const token = tokens[pos++];
    if (!token) throw new PolicyParseError('failed to parse policy: unexpected end of input');
    return token;
  };
  const expect = (punct: string) => {
    const token = next();
    if (token.kind !== 'punct' || token.text !== punct) {
      throw new PolicyParseError(`failed to parse policy: expected "${punct}" but found "${token.text}"`);
    }
  };
  const value = (): unknown => {
    const token = next();
    if (token.kind === 'string') return token.text;
    if (token.kind === 'ident') {
      if (token.text === 'true' || token.text === 'false') return token.text === 'true';
      return /^-?\d/.test(token.text) ? Number(token.text) : token.text;
    }
    if (token.text === '[') {
      const items: unknown[] = [];
      while (!(peek()?.kind === 'punct' && peek()?.text === ']')) {
        items.push(value());
        if (peek()?.text === ',') pos++;
      }
      pos++;
      return items;
    }
    if (token.text === '{') return body('}');
    throw new PolicyParseError(`failed to parse policy: unexpected "${token.text}"`);
  };
  const body = (end: string | undefined): Record<string, unknown> => {
    const result: Record<string, unknown> = {};
    while (pos < tokens.length && !(peek()?.kind === 'punct' && peek()?.text === end)) {
      const key = next();
      if (key.kind === 'punct') throw new PolicyParseError(`failed to parse policy: unexpected "${key.text}"`);
      const labels: string[] = [];
      while (peek()?.kind === 'string') labels.push(next().text);
      if (peek()?.text === '=' || peek()?.text === ':') {
        pos++;
        result[key.text] = value();
      } else {
        expect('{');
        const names = [key.text, ...labels];
        let target = result;
        for (const label of names.slice(0, -1)) {
          target = (isObject(target[label]) ? target[label] : (target[label] = {})) as Record<string, unknown>;
        }
        target[names[names.length - 1]!] = body('}');
      }
      if (peek()?.text === ',') pos++;
    }
    if (end) expect(end);
    return result;
  };
  return body(undefined);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
