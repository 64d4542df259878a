import { createHash } from 'node:crypto';
import { escapeHtml } from './html-escape.js';
import { secretCells, summaryItems, type Cell } from './status-format.js';
import { STATUS_SCRIPT } from './status-script.js';
import type { StatusView } from './status-view.js';

const COLUMNS = ['secret', 'engine', 'file', 'lease time left', 'last renewal', 'last write', 'last error', 'ready', 'app read current version*'];

const STYLE = `
:root { color-scheme: light dark; --ok: #1a7f37; --warn: #9a6700; --bad: #cf222e; --line: #8884; }
body { font: 14px/1.45 system-ui, sans-serif; margin: 1.5rem; }
header { display: flex; gap: 1rem; align-items: baseline; }
h1 { font-size: 1.3rem; margin: 0; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; margin: 1rem 0; }
dt { font-weight: 600; }
dd { margin: 0; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .35rem .6rem; border-bottom: 1px solid var(--line); vertical-align: top; }
td:first-child { font-weight: 600; white-space: nowrap; }
td:nth-child(4), td:nth-child(5), td:nth-child(6) { font-variant-numeric: tabular-nums; white-space: nowrap; }
.stale dl, .stale table { opacity: .5; }
.ok { color: var(--ok); } .warn { color: var(--warn); } .bad { color: var(--bad); font-weight: 600; }
.note { color: #888; font-size: 12px; }
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
  const rows = view.secrets.map(
    (secret) => `<tr data-secret="${escapeHtml(secret.name)}">${secretCells(secret, view.now).map((cell) => cellHtml('td', cell)).join('')}</tr>`,
  );
  const body = rows.length > 0 ? rows.join('\n') : `<tr><td colspan="${COLUMNS.length}">no secrets configured</td></tr>`;
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
<table>
<thead><tr>${COLUMNS.map((column) => `<th scope="col">${escapeHtml(column)}</th>`).join('')}</tr></thead>
<tbody id="secrets">
${body}
</tbody>
</table>
<p class="note">* From the file's access time, checked every few seconds: vaultlet sees the first read of each version it writes, not every read, so "yes" means the app has read this version at least once. "not yet" counts how long the version has waited; after a rotation, the app may still be using the old credential. On a noatime mount reads cannot be seen, and the column says unknown rather than guess.</p>
<p class="note">Times are on the agent's clock. Secret values and tokens are never shown here. The same data as JSON: <a href="status.json">status.json</a>.</p>
<script>${STATUS_SCRIPT}</script>
</body>
</html>
`;
}

function cellHtml(tag: string, cell: Cell): string {
  const tone = cell.tone ? ` class="${cell.tone}"` : '';
  const title = cell.title ? ` title="${escapeHtml(cell.title)}"` : '';
  return `<${tag}${tone}${title}>${escapeHtml(cell.text)}</${tag}>`;
}
