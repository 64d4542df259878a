import { FILE_COLUMNS, SECRET_COLUMNS, TIME_COLUMNS, statusFormatters } from './status-format.js';

/**
 * The page's only script: re-reads status.json every second and redraws, counting lease time
 * down (and app-read waits up) between answers on the agent's clock (offset from the browser's).
 * Everything reaches the DOM through textContent, never innerHTML, so names from config cannot
 * become markup. The formatters are the server's own functions, inlined by source so both
 * render alike; cells carry the same classes and labels as the server's first paint.
 */
export const STATUS_SCRIPT = `(() => {
'use strict';
const { formatDuration, secretCells, fileCells, summaryItems } = (${statusFormatters.toString()})();
const SECRET_COLUMNS = ${JSON.stringify(SECRET_COLUMNS)};
const FILE_COLUMNS = ${JSON.stringify(FILE_COLUMNS)};
const TIME_COLUMNS = ${JSON.stringify(TIME_COLUMNS)};
const body = document.body;
let view = JSON.parse(body.dataset.view);
let offset = view.now - Date.now();
let lastAnswer = Date.now();
let failing = false;
// /status, /status/ and a kubectl-proxy prefix all find their JSON twin next to the page.
const source = location.pathname.replace(/[/]?$/, '.json');

function cellElement(tag, cell, label) {
  const element = document.createElement(tag);
  element.textContent = cell.text;
  const classes = [cell.tone, label && TIME_COLUMNS.includes(label) ? 'time' : ''].filter(Boolean).join(' ');
  if (classes) element.className = classes;
  if (label) element.dataset.label = label;
  if (cell.title) element.title = cell.title;
  return element;
}

function rows(items, cells, columns, key, empty) {
  const now = Date.now() + offset;
  const result = items.map((item) => {
    const row = document.createElement('tr');
    row.dataset[key] = key === 'secret' ? item.name : item.file;
    cells(item, now).forEach((cell, index) => row.append(cellElement('td', cell, columns[index])));
    return row;
  });
  if (result.length === 0) {
    const row = document.createElement('tr');
    const cell = cellElement('td', { text: empty, tone: '' });
    cell.colSpan = columns.length;
    row.append(cell);
    result.push(row);
  }
  return result;
}

function render() {
  const now = Date.now() + offset;
  document.getElementById('secrets').replaceChildren(...rows(view.secrets, secretCells, SECRET_COLUMNS, 'secret', 'no secrets configured'));
  document.getElementById('files').replaceChildren(...rows(view.files, fileCells, FILE_COLUMNS, 'file', 'no files configured'));
  const items = summaryItems(view, now).flatMap((item) => [cellElement('dt', { text: item.label, tone: '' }), cellElement('dd', item)]);
  document.getElementById('summary').replaceChildren(...items);
  const connection = document.getElementById('connection');
  connection.textContent = failing ? 'agent not answering: last answer ' + formatDuration((Date.now() - lastAnswer) / 1000) + ' ago' : 'live';
  connection.className = failing ? 'bad' : 'ok';
  // What is shown is only the last answer: grey it out so nobody mistakes it for the present.
  body.classList.toggle('stale', failing);
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
