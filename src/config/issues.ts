import type * as z from 'zod';
import { KIND_ONLY_KEYS } from './schema.js';

/** Turns zod issues into `key.path: problem` lines in the words a YAML author uses. */

export type PathSegment = string | number | symbol;

export function formatPath(path: readonly PathSegment[]): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else text += text ? `.${String(segment)}` : String(segment);
  }
  return text || '(document)';
}

/** Stable sort by top-level key as ordered in `sections`, then by array index, so one secret's problems sit together. */
export function sortByDocumentOrder(lines: readonly string[], sections: readonly string[]): string[] {
  const rank = (line: string): [number, number] => {
    const match = /^([A-Za-z_]+)(?:\[(\d+)\])?/.exec(line);
    const section = match ? sections.indexOf(match[1]!) : -1;
    return [section === -1 ? sections.length : section, match?.[2] === undefined ? -1 : Number(match[2])];
  };
  return lines
    .map((line, order) => ({ line, order, rank: rank(line) }))
    .sort((a, b) => a.rank[0] - b.rank[0] || a.rank[1] - b.rank[1] || a.order - b.order)
    .map(({ line }) => line);
}

export function issueLines(issues: readonly z.core.$ZodIssue[], prefix: readonly PathSegment[] = []): string[] {
  return issues.flatMap((issue) => issueLine(issue, [...prefix, ...issue.path]));
}

function issueLine(issue: z.core.$ZodIssue, path: PathSegment[]): string[] {
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => `${formatPath([...path, key])}: ${unknownKeyProblem(path, key)}`);
  }
  if (issue.code === 'invalid_union') {
    // When only one branch fits the value's shape (e.g. `listen` given a mapping), its own issues,
    // whose paths are relative to the union, say more than a bare "invalid input".
    const matching = issue.errors.filter((branch) => !branch.some(isTypeMismatchAtRoot));
    if (matching.length === 1) return issueLines(matching[0]!, path);
  }
  return [`${formatPath(path)}: ${issue.message}`];
}

function isTypeMismatchAtRoot(issue: z.core.$ZodIssue): boolean {
  return issue.path.length === 0 && (issue.code === 'invalid_type' || issue.code === 'invalid_value');
}

function unknownKeyProblem(path: readonly PathSegment[], key: string): string {
  const kind = KIND_ONLY_KEYS[key];
  return path[0] === 'secrets' && path.length === 2 && kind ? `unknown key (only for kind ${kind})` : 'unknown key';
}

/** Error map for safeParse: messages for the generic cases; schemas set their own for the rest. */
export const errorMap: z.core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case 'invalid_type':
      return issue.input === undefined ? 'required' : `must be ${describeExpected(issue.expected)} (got ${describeType(issue.input)})`;
    case 'invalid_value':
      return oneOf(issue.values, issue.input);
    case 'invalid_union':
      if (!('options' in issue) || issue.discriminator === undefined) return undefined;
      return oneOf((issue.options as readonly unknown[] | undefined) ?? [], discriminatorValue(issue.input, issue.discriminator));
    case 'too_small':
      return issue.origin === 'array' ? `must have at least ${issue.minimum} item(s)` : `must be >= ${issue.minimum}`;
    case 'too_big':
      return issue.origin === 'array' ? `must have at most ${issue.maximum} item(s)` : `must be <= ${issue.maximum}`;
    default:
      return undefined;
  }
};

// For a discriminated union zod hands over the whole object; the user wants to see the bad tag.
function discriminatorValue(input: unknown, key: string): unknown {
  return typeof input === 'object' && input !== null ? (input as Record<string, unknown>)[key] : input;
}

function oneOf(values: readonly unknown[], input: unknown): string {
  const list = values.map(String).join(', ');
  return input === undefined ? `required, one of ${list}` : `must be one of ${list} (got ${shortValue(input)})`;
}

/** Only short scalars are echoed; the one free-form map (params) never reaches here. */
function shortValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  return describeType(value);
}

function describeExpected(expected: string): string {
  const words: Record<string, string> = {
    object: 'a mapping', array: 'a list', string: 'a string', number: 'a number', int: 'an integer', boolean: 'true or false',
  };
  return words[expected] ?? expected;
}

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return typeof value;
}
