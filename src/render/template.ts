import { readFile } from 'node:fs/promises';
import Handlebars from 'handlebars';
import { TemplateError } from '../errors.js';
import { HELPERS, HelperFailure, registerHelpers } from './template-helpers.js';

/** Lease metadata a template can print, e.g. `{{lease.expires_at}}`. */
export interface TemplateLease {
  id: string;
  ttl_seconds: number;
  renewable: boolean;
  /** ISO 8601. */
  expires_at?: string;
  /** KV v2 version. */
  version?: number;
}

export interface TemplateContext {
  /** The data of the file's first secret. */
  data: Record<string, unknown>;
  lease: TemplateLease;
  /** Every secret the file draws on, by secret name: `{{secrets.[db-creds].data.password}}`. */
  secrets: Record<string, { data: Record<string, unknown>; lease: TemplateLease }>;
}

export type CompiledTemplate = (context: TemplateContext) => Buffer;

const OPTIONS: CompileOptions = {
  noEscape: true, // config files, not HTML: `<&"'>` are written as they are
  strict: true, // a misspelt key fails instead of writing an empty credential
  knownHelpersOnly: true, // a misspelt helper fails at compile time
  // `log` would print its arguments (a secret) to stdout.
  knownHelpers: { ...Object.fromEntries(Object.keys(HELPERS).map((name) => [name, true])), log: false },
};

type CompileOptions = NonNullable<Parameters<typeof Handlebars.compile>[1]>;
interface AstNode {
  type: string;
  loc?: { start: { line: number; column: number } };
  original?: string;
  parts?: string[];
}

/**
 * Compiles a Handlebars template now, so a syntax error, an unknown helper or a partial is a
 * config error at load time rather than a failed write later. Every error is a TemplateError
 * with the template's name and, where known, its line; none quotes the data.
 */
export function compileTemplate(name: string, source: string): CompiledTemplate {
  const handlebars = Handlebars.create(); // isolated: no helpers or partials shared with anyone
  handlebars.unregisterHelper('log');
  registerHelpers(handlebars);
  let ast: AstNode;
  try {
    ast = handlebars.parse(source) as unknown as AstNode;
    refuseUnsupported(name, ast);
    handlebars.precompile(source, OPTIONS); // compile() alone would defer these errors to the first render
  } catch (error) {
    throw error instanceof TemplateError ? error : compileError(name, error);
  }
  const template = handlebars.compile<TemplateContext>(source, OPTIONS);
  return (context) => {
    let text: string;
    try {
      text = template(context);
    } catch (error) {
      throw renderError(name, ast, error); // no `cause`: the original message may hold a value
    }
    return Buffer.from(text, 'utf8');
  };
}

/** Reads and compiles a template file; the file path is the template's name in errors. */
export async function compileTemplateFile(file: string): Promise<CompiledTemplate> {
  let source: string;
  try {
    source = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    throw new TemplateError(file, undefined, `cannot read the template file (${typeof code === 'string' ? code : 'error'})`, {
      cause: error,
    });
  }
  return compileTemplate(file, source.replace(/^\uFEFF/, ''));
}

/** No partials or decorators are registered, so say so at load time with the line. */
function refuseUnsupported(name: string, ast: AstNode): void {
  for (const node of nodesOf(ast)) {
    if (node.type.startsWith('Partial')) throw new TemplateError(name, node.loc?.start.line, 'partials ({{> name}}) are not supported');
    if (node.type.startsWith('Decorator')) throw new TemplateError(name, node.loc?.start.line, 'decorators ({{* name}}) are not supported');
  }
}

function compileError(name: string, error: unknown): TemplateError {
  const message = error instanceof Error ? error.message : String(error);
  // Parse errors: "Parse error on line 3:\n<source excerpt>\n----^\nExpecting 'ID', got 'EOF'".
  const parse = /^Parse error on line (\d+):\n(.*)\n.*\n(.*)$/.exec(message);
  if (parse) return new TemplateError(name, Number(parse[1]), `syntax error: ${parse[3]} after "${parse[2]}"`, { cause: error });
  const unknown = /^You specified knownHelpersOnly, but used the unknown helper (\S+)/.exec(message);
  if (unknown) {
    const available = [...Object.keys(HELPERS), 'if', 'unless', 'each', 'with', 'lookup'].join(', ');
    return new TemplateError(name, lineOf(error), `unknown helper "${unknown[1]}" (available: ${available})`, { cause: error });
  }
  return new TemplateError(name, lineOf(error), withoutPosition(message), { cause: error });
}

function renderError(name: string, ast: AstNode, error: unknown): TemplateError {
  if (error instanceof HelperFailure) return new TemplateError(name, error.line, error.message);
  const message = error instanceof Error ? error.message : '';
  if (error instanceof Handlebars.Exception) {
    // Strict mode: `"pasword" not defined in <the parent value>` — the parent may be a secret.
    const missing = /^"(.*)" not defined in /s.exec(message);
    if (missing) {
      const line = lineOf(error);
      const path = pathAt(ast, line, (error as { column?: number }).column) ?? missing[1];
      return new TemplateError(name, line, `"${path}" is not defined (strict mode; use lookup and default for optional keys)`);
    }
    return new TemplateError(name, lineOf(error), withoutPosition(message));
  }
  // Strict lookups below a string or number: "Cannot use 'in' operator to search for 'x' in <value>".
  const below = /^Cannot use 'in' operator to search for '(.*?)' in /s.exec(message);
  if (below) {
    const path = [...nodesOf(ast)].find((node) => node.type === 'PathExpression' && node.parts?.includes(below[1]!));
    return new TemplateError(name, path?.loc?.start.line, `"${path?.original ?? below[1]}" looks inside a value that is not a map`);
  }
  return new TemplateError(name, undefined, `rendering failed (${error instanceof Error ? error.name : 'error'})`);
}

function lineOf(error: unknown): number | undefined {
  const line = (error as { lineNumber?: unknown } | null)?.lineNumber;
  return typeof line === 'number' ? line : undefined;
}

/** Handlebars appends " - line:column"; the line goes into TemplateError's own field. */
function withoutPosition(message: string): string {
  return message.replace(/ - \d+:\d+$/, '');
}

/** The path expression (as written) that starts at line:column. */
function pathAt(ast: AstNode, line: number | undefined, column: number | undefined): string | undefined {
  for (const node of nodesOf(ast)) {
    if (node.type === 'PathExpression' && node.loc?.start.line === line && node.loc?.start.column === column) return node.original;
  }
  return undefined;
}

function* nodesOf(value: unknown): Generator<AstNode> {
  if (Array.isArray(value)) {
    for (const item of value) yield* nodesOf(item);
  } else if (value !== null && typeof value === 'object' && typeof (value as AstNode).type === 'string') {
    yield value as AstNode;
    for (const [key, child] of Object.entries(value)) if (key !== 'loc') yield* nodesOf(child);
  }
}
