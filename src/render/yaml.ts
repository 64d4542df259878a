import { Document, Scalar, Schema, visit } from 'yaml';
import { RenderError } from '../errors.js';

/**
 * Letters, digits and a few punctuation marks that are never YAML indicators mid-scalar. A string
 * made only of these is still written plain only if no YAML 1.1 or 1.2 type claims it.
 */
const PLAIN_CANDIDATE = /^[\p{L}\p{N}_/][\p{L}\p{N}_./@+-]*$/u;

/** The patterns by which the `yaml` package's own 1.2 core and 1.1 schemas resolve plain scalars. */
const IMPLICIT_TYPES: readonly RegExp[] = ['core', 'yaml-1.1'].flatMap((schema) =>
  new Schema({ schema }).tags.flatMap((tag) => (tag.test ? [tag.test] : [])),
);

/**
 * Printable text in lines without trailing blanks: safe in a `|` block, also for editors and
 * parsers that trim line ends. Control characters, CR, TAB, NEL, LS, PS, BOM and lone surrogates
 * (UTF-8 cannot hold them) go into an escaped double-quoted scalar instead.
 */
const BLOCK_UNSAFE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\ufeff\ufffe\uffff]|[\ud800-\udfff]|[ ]\n|[ ]$/u;

/**
 * Characters the `yaml` package leaves raw inside double quotes, though YAML forbids them (DEL,
 * C1 controls, U+FFFE/FFFF) or 1.1 readers fold them as line breaks (NEL, LS, PS) or drop them
 * (BOM). The two patterns above put them only in double-quoted scalars, where `\uXXXX` is exact.
 */
const RAW_IN_QUOTES = /[\u007f-\u009f\u2028\u2029\ufeff\ufffe\uffff]/g;

/**
 * A YAML mapping that every common parser reads back exactly. Strings YAML 1.1 parsers (PyYAML,
 * SnakeYAML, go-yaml v2) or 1.2 parsers would take as something else — `yes`, `off`, `null`,
 * `0123`, `0o17`, `1e3`, `12:30`, `~`, `: x`, leading or trailing spaces — are double-quoted;
 * multi-line strings such as PEM use a literal `|` block where that is exact. Keys get the same
 * treatment; numbers, booleans, null, lists and maps stay native YAML.
 */
export function renderYaml(secret: string, data: Record<string, unknown>): Buffer {
  let text: string;
  try {
    // No anchors/aliases: the same object twice is written twice, as the data says.
    const doc = new Document(data, { aliasDuplicateObjects: false });
    visit(doc, {
      Scalar(_key, node) {
        if (typeof node.value === 'string') node.type = scalarStyle(node.value);
      },
    });
    // lineWidth 0: never fold long tokens, so line-oriented tools see one value per line.
    text = doc
      .toString({ lineWidth: 0, minContentWidth: 0 })
      .replace(RAW_IN_QUOTES, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
  } catch (error) {
    // A cycle or a function; the cause can name a type but never a value.
    throw new RenderError(`secret "${secret}": data cannot be written as YAML`, { cause: error });
  }
  return Buffer.from(text, 'utf8');
}

function scalarStyle(value: string): Scalar.Type {
  if (value.includes('\n')) return BLOCK_UNSAFE.test(value) ? Scalar.QUOTE_DOUBLE : Scalar.BLOCK_LITERAL;
  return isPlainSafe(value) ? Scalar.PLAIN : Scalar.QUOTE_DOUBLE;
}

function isPlainSafe(value: string): boolean {
  return PLAIN_CANDIDATE.test(value) && !IMPLICIT_TYPES.some((pattern) => pattern.test(value));
}
