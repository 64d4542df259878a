import { RenderError } from '../errors.js';

/** One RFC 7468 block; the label is upper-case words such as CERTIFICATE or EC PRIVATE KEY. */
const BLOCK = /-----BEGIN ([A-Z0-9]+(?: [A-Z0-9]+)*)-----([\s\S]*?)-----END \1-----/g;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
/** RFC 1421 headers in legacy encrypted keys (`Proc-Type: 4,ENCRYPTED`, `DEK-Info: …`). */
const HEADER = /^[A-Za-z0-9-]+:/;

/**
 * The PEM blocks of the named fields, in field order, each exactly once, e.g. `certificate`,
 * `issuing_ca`, `ca_chain` of a PKI issue — where `issuing_ca` repeats in `ca_chain`. A field
 * may hold one block, several, or a list of them. Text around the blocks is dropped (RFC 7468
 * lets it be there); the base64 is re-wrapped at 64 columns with LF line ends, so the same
 * block written differently is still recognised as a duplicate.
 */
export function renderPem(secret: string, data: Record<string, unknown>, fields: readonly string[]): Buffer {
  if (fields.length === 0) throw new RenderError(`secret "${secret}": the pem format needs at least one field`);
  const blocks = new Set<string>();
  for (const field of fields) {
    for (const [text, where] of pemStrings(secret, data, field)) {
      const parsed = pemBlocks(text);
      if (!parsed) throw notPem(secret, where, 'a block lacks its END line or its body is not base64');
      for (const block of parsed) blocks.add(block);
    }
  }
  if (blocks.size === 0) {
    throw new RenderError(`secret "${secret}": fields ${fields.map((f) => `"${f}"`).join(', ')} hold no PEM blocks`);
  }
  return Buffer.from([...blocks].join(''), 'utf8');
}

/** The field's strings with how to name each in an error: `field "ca_chain" item 2`. */
function pemStrings(secret: string, data: Record<string, unknown>, field: string): Array<[string, string]> {
  const value = Object.hasOwn(data, field) ? data[field] : undefined;
  const where = `field "${field}"`;
  if (value === undefined || value === null) {
    const available = Object.keys(data);
    throw new RenderError(
      `secret "${secret}": ${where} is not in the data ` +
        `(available fields: ${available.length ? available.join(', ') : 'none'})`,
    );
  }
  const items: Array<[unknown, string]> = Array.isArray(value)
    ? value.map((item, i) => [item, `${where} item ${i + 1}`])
    : [[value, where]];
  return items.map(([item, itemWhere]) => {
    if (typeof item !== 'string') throw notPem(secret, itemWhere, `it is a ${kindOf(item)}, not a PEM string`);
    if (!item.includes('-----BEGIN ')) throw notPem(secret, itemWhere, 'it has no -----BEGIN …----- line');
    return [item, itemWhere];
  });
}

/** The blocks in canonical form, or undefined when any BEGIN lacks its END or a body is not base64. */
function pemBlocks(text: string): string[] | undefined {
  const matches = [...text.matchAll(BLOCK)];
  if (matches.length !== text.split('-----BEGIN ').length - 1) return undefined;
  const blocks = matches.map(([, label, body]) => canonicalBlock(label!, body!));
  return blocks.every((block) => block !== undefined) ? blocks : undefined;
}

function canonicalBlock(label: string, body: string): string | undefined {
  const lines = body.split(/\r?\n/).map((line) => line.trim());
  const headers: string[] = [];
  while (lines.length && (lines[0] === '' || HEADER.test(lines[0]!))) {
    const line = lines.shift()!;
    if (line !== '') headers.push(line);
  }
  const base64 = lines.join('');
  if (base64 === '' || !BASE64.test(base64)) return undefined;
  const wrapped = base64.match(/.{1,64}/g)!.join('\n');
  const head = headers.length ? `${headers.join('\n')}\n\n` : '';
  return `-----BEGIN ${label}-----\n${head}${wrapped}\n-----END ${label}-----\n`;
}

function notPem(secret: string, where: string, why: string): RenderError {
  return new RenderError(`secret "${secret}": ${where} is not PEM (${why})`);
}

function kindOf(value: unknown): string {
  if (Array.isArray(value)) return 'list';
  return typeof value === 'object' ? 'object' : typeof value;
}
