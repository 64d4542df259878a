import { isScalar, LineCounter, parseDocument, visit, type ScalarTag } from 'yaml';

/**
 * YAML 1.2 reads `mode: 0400` as decimal 400. Kubernetes manifests (YAML 1.1) read it as octal,
 * and that is what people who write file modes mean, so a leading-zero integer is octal here too.
 */
const leadingZeroOctal: ScalarTag = {
  identify: (value) => typeof value === 'number',
  default: true,
  tag: 'tag:yaml.org,2002:int',
  format: 'OCT',
  test: /^0[0-7]+$/,
  resolve: (text) => parseInt(text, 8),
};

/** The document as plain data, or its syntax problems as `line L, column C: problem`. */
export function parseYaml(text: string): { value: unknown; issues: string[] } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, {
    lineCounter,
    prettyErrors: false, // pretty errors quote the source line, which may hold a secret
    uniqueKeys: true,
    customTags: (tags) => [leadingZeroOctal, ...tags],
  });
  const issues = doc.errors.map((error) => {
    const { line, col } = lineCounter.linePos(error.pos[0]);
    const problem = error.code === 'DUPLICATE_KEY' ? duplicateKeyProblem(text, error.pos[0]) : error.message;
    return `line ${line}, column ${col}: ${problem}`;
  });
  if (issues.length) return { value: undefined, issues };
  modesAsWritten(doc);
  try {
    return { value: doc.toJS({ maxAliasCount: 100 }), issues: [] };
  } catch (error) {
    return { value: undefined, issues: [`(document): ${(error as Error).message}`] };
  }
}

// The error position marks only the key's first character; the key runs up to its colon.
function duplicateKeyProblem(text: string, offset: number): string {
  const key = /^([^:\n]{1,60}?)\s*:/.exec(text.slice(offset))?.[1];
  return key === undefined ? 'duplicate key' : `duplicate key ${key.startsWith('"') || key.startsWith("'") ? key : `"${key}"`}`;
}

/**
 * File modes are chmod-style octal however they are written: `mode: 400`, `mode: 0400` and
 * `mode: "0400"` all mean r--------. Without this, a bare `400` would silently be decimal 400
 * (0620, group-writable).
 */
function modesAsWritten(doc: ReturnType<typeof parseDocument>): void {
  visit(doc, {
    Pair(_, pair) {
      if (isScalar(pair.key) && pair.key.value === 'mode' && isScalar(pair.value) && typeof pair.value.value === 'number' && pair.value.source) {
        pair.value.value = pair.value.source;
      }
    },
  });
}
