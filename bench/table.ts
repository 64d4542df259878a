import type { Row } from './row.js';

/** A plain-text table: metric | value | baseline / context | target | ok. */
export function renderTable(rows: readonly Row[]): string {
  const header = ['metric', 'value', 'baseline / cross-check', 'target', 'ok'];
  const body = rows.map((row) => [row.metric, row.value, row.baseline ?? '', row.target ?? '', row.pass === undefined ? '' : row.pass ? 'yes' : 'NO']);
  const widths = header.map((title, column) => Math.max(title.length, ...body.map((cells) => cells[column]!.length)));
  const line = (cells: readonly string[]) => `| ${cells.map((cell, column) => cell.padEnd(widths[column]!)).join(' | ')} |`;
  return [line(header), `|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`, ...body.map(line)].join('\n');
}
