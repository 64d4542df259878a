import { createHash } from 'node:crypto';
import { escapeHtml } from './html-escape.js';
import { FILE_COLUMNS, SECRET_COLUMNS, TIME_COLUMNS, fileCells, secretCells, summaryItems, type Cell } from './status-format.js';
import { STATUS_SCRIPT } from './status-script.js';
import type { StatusView } from './status-view.js';

/**
 * Narrower than 40rem (a phone, a split terminal window) each row becomes a card of labelled
 * lines, so lease time, readiness and errors are read without scrolling sideways; long errors
 * and file names wrap anywhere.
 */
const STYLE = `
:root { color-scheme: light dark; --ok: #1a7f37; --warn: #9a6700; --bad: #cf222e; --line: #8884; }
body { font: 14px/1.45 system-ui, sans-serif; margin: 1.5rem; }
header { display: flex; gap: 1rem; align-items: baseline; flex-wrap: wrap; }
h1 { font-size: 1.3rem; margin: 0; }
h2 { font-size: 1.05rem; margin: 1.5rem 0 .4rem; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; margin: 1rem 0; }
dt { font-weight: 600; }
dd { margin: 0; overflow-wrap: anywhere; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .35rem .6rem; border-bottom: 1px solid var(--line); vertical-align: top; overflow-wrap: anywhere; }
td:first-child { font-weight: 600; }
td.time { font-variant-numeric: tabular-nums; white-space: nowrap; }
.stale dl, .stale table { opacity: .5; }
.ok { color: var(--ok); } .warn { color: var(--warn); } .bad { color: var(--bad); font-weight: 600; }
.note { color: #888; font-size: 12px; }
@media (max-width: 40rem) {
  body { margin: .75rem; }
  thead { display: none; }
  table, tbody, tr, td { display: block; width: auto; }
  tr { border-bottom: 1px solid var(--line); padding: .4rem 0; }
  td { border: 0; padding: .1rem 0; display: grid; grid-template-columns: 9.5rem 1fr; gap: .5rem; }
  td::before { content: attr(data-label); font-weight: 400; color: #888; }
  td.time { white-space: normal; }
}
`;

const sha256 = (text: string): string => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

/**
 * Only this page's own style and script may run (by hash), and it may only talk back to the
 * agent: even a name that slipped through escaping could not execute or send anything anywhere.
 */
export const STATUS_PAGE_CSP = [
  "default-src 'none'",
  `script-src ${sha256(STATUS_SCRIPT)}`,
  `style-src ${sha256(STYLE)}`,
  "connect-src 'self'",
  'img-src data:',
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** The whole page, first paint included, so it is useful (if not live) without JavaScript. */
export function renderStatusPage(view: StatusView): string {
  const secretRows = view.secrets.map(
    (secret) => `<tr data-secret="${escapeHtml(secret.name)}">${cellsHtml(secretCells(secret, view.now), SECRET_COLUMNS)}</tr>`,
  );
  const fileRows = view.files.map((file) => `<tr data-file="${escapeHtml(file.file)}">${cellsHtml(fileCells(file, view.now), FILE_COLUMNS)}</tr>`);
  const summary = summaryItems(view, view.now)
    .map((item) => `${cellHtml('dt', { text: item.label, tone: '' })}${cellHtml('dd', item)}`)
    .join('');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<link rel="icon" href="data:,">
<title>vaultlet status</title>
<style>${STYLE}</style>
</head>
<body data-view="${escapeHtml(JSON.stringify(view))}">
<header><h1>vaultlet</h1><span id="connection">snapshot</span></header>
<dl id="summary">${summary}</dl>
<h2>Secrets</h2>
<table>
<thead><tr>${SECRET_COLUMNS.map((column) => `<th scope="col">${escapeHtml(column)}</th>`).join('')}</tr></thead>
<tbody id="secrets">
${secretRows.length > 0 ? secretRows.join('\n') : emptyRow('no secrets configured', SECRET_COLUMNS.length)}
</tbody>
</table>
<h2>Files</h2>
<table>
<thead><tr>${FILE_COLUMNS.map((column) => `<th scope="col">${escapeHtml(column)}</th>`).join('')}</tr></thead>
<tbody id="files">
${fileRows.length > 0 ? fileRows.join('\n') : emptyRow('no files configured', FILE_COLUMNS.length)}
</tbody>
</table>
<p class="note">* From the file's access time, checked every few seconds: vaultlet sees the first read of each version it writes, not every read, so "yes" means the app has read this version at least once. "not yet" counts how long the oldest version the app has not read has waited; after a rotation, the app may still be using the old credential. On a noatime mount reads cannot be seen, and the column says unknown rather than guess; files with track_reads: false are not tracked.</p>
<p class="note">Times are on the agent's clock. Secret values and tokens are never shown here. The same data as JSON: <a href="status.json">status.json</a>.</p>
<script>${STATUS_SCRIPT}</script>
</body>
</html>
`;
}

function cellsHtml(cells: readonly Cell[], columns: readonly string[]): string {
  return cells.map((cell, index) => cellHtml('td', cell, columns[index])).join('');
}

function emptyRow(text: string, span: number): string {
  return `<tr><td colspan="${span}">${escapeHtml(text)}</td></tr>`;
}

function cellHtml(tag: string, cell: Cell, label?: string): string {
  const classes = [cell.tone, label && TIME_COLUMNS.includes(label) ? 'time' : ''].filter(Boolean).join(' ');
  const attributes = [
    classes ? ` class="${classes}"` : '',
    label ? ` data-label="${escapeHtml(label)}"` : '',
    cell.title ? ` title="${escapeHtml(cell.title)}"` : '',
  ].join('');
  return `<${tag}${attributes}>${escapeHtml(cell.text)}</${tag}>`;
}
