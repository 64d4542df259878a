import { statusFormatters } from './status-format.js';

/**
 * The page's only script: re-reads status.json every second and redraws, counting lease time
 * down (and app-read waits up) between answers on the agent's clock (offset from the browser's). Everything reaches the
 * DOM through textContent, never innerHTML, so names from config cannot become markup. The
 * formatters are the server's own functions, inlined by source so both render alike.
 */
export const STATUS_SCRIPT = `(() => {
'use strict';
const { formatDuration, secretCells, summaryItems } = (${statusFormatters.toString()})();
const body = document.body;
let view = JSON.parse(body.dataset.view);
let offset = view.now - Date.now();
let lastAnswer = Date.now();
let failing = false;
// /status, /status/ and a kubectl-proxy prefix all find their JSON twin next to the page.
const source = location.pathname.replace(/[/]?$/, '.json');

function cellElement(tag, cell) {
  const element = document.createElement(tag);
  element.textContent = cell.text;
  if (cell.tone) element.className = cell.tone;
  if (cell.title) element.title = cell.title;
  return element;
}

function render() {
  const now = Date.now() + offset;
  const rows = view.secrets.map((secret) => {
    const row = document.createElement('tr');
    row.dataset.secret = secret.name;
    for (const cell of secretCells(secret, now)) row.append(cellElement('td', cell));
    return row;
  });
  if (rows.length === 0) rows.push(emptyRow());
  document.getElementById('secrets').replaceChildren(...rows);
  const items = summaryItems(view, now).flatMap((item) => [cellElement('dt', { text: item.label, tone: '' }), cellElement('dd', item)]);
  document.getElementById('summary').replaceChildren(...items);
  const connection = document.getElementById('connection');
  connection.textContent = failing ? 'agent not answering: last answer ' + formatDuration((Date.now() - lastAnswer) / 1000) + ' ago' : 'live';
  connection.className = failing ? 'bad' : 'ok';
  // What is shown is only the last answer: grey it out so nobody mistakes it for the present.
  body.classList.toggle('stale', failing);
}

function emptyRow() {
  const row = document.createElement('tr');
  const cell = cellElement('td', { text: 'no secrets configured', tone: '' });
  cell.colSpan = 9;
  row.append(cell);
  return row;
}

async function poll() {
  try {
    const response = await fetch(source, { cache: 'no-store', headers: { accept: 'application/json' } });
    if (!response.ok) throw new Error('HTTP ' + response.status);
    view = await response.json();
    offset = view.now - Date.now();
    lastAnswer = Date.now();
    failing = false;
  } catch {
    failing = true;
  }
  render();
  setTimeout(poll, 1000);
}

render();
setInterval(render, 250);
setTimeout(poll, 1000);
})();`;
