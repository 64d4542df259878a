#!/usr/bin/env node
// An app that uses the database credentials vaultlet writes, and keeps working as they rotate.
//
//   CREDENTIALS_FILE=/vault/secrets/db.json PGHOST=db PGDATABASE=app node examples/pg-app/app.js
//
// CREDENTIALS_FILE  vaultlet's json output: {"username": "...", "password": "..."}
// PGHOST, PGPORT, PGDATABASE   where to connect (read by the pg client itself)
// QUERY             what each worker runs in a loop (default: SELECT 1)
// CONCURRENCY       parallel workers (default 4)
// PAUSE_MS          each worker's pause between queries (default 10)
//
// Prints one JSON line per event on stdout: "ready", "rotated", "stats" (every second: queries
// that succeeded and failed in that second) and "stopped" (totals) after SIGTERM or SIGINT.
import { readFile } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { watch } from 'chokidar';
import { RotatingPool } from './rotating-pool.js';

const file = resolve(required('CREDENTIALS_FILE'));
const query = process.env.QUERY || 'SELECT 1';
const concurrency = Number(process.env.CONCURRENCY || 4);
const pauseMs = Number(process.env.PAUSE_MS ?? 10);

const report = (event, fields = {}) => process.stdout.write(`${JSON.stringify({ event, time: new Date().toISOString(), ...fields })}\n`);
const pool = new RotatingPool({ max: concurrency }, (error) => report('idle_connection_error', { error: error.message }));
const counts = { ok: 0, failed: 0, okTotal: 0, failedTotal: 0 };
const stopping = new AbortController();

/** Reads the file and, if it holds new credentials, switches to them. */
async function reload() {
  let credentials;
  try {
    credentials = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    // Missing or unreadable: keep what we have. vaultlet replaces the file atomically, so a
    // half-written file is never seen.
    if (error.code !== 'ENOENT') report('credentials_unreadable', { error: error.message });
    return;
  }
  if (credentials.username === pool.username) return;
  try {
    const { previous, drained } = await pool.use(credentials);
    report(previous ? 'rotated' : 'ready', { username: credentials.username, previous });
    const started = Date.now();
    drained.then(() => previous && report('drained', { username: previous, ms: Date.now() - started }));
  } catch (error) {
    report('credentials_refused', { username: credentials.username, error: error.message });
    // The database may lag behind Vault for a moment; try the same file again shortly.
    setTimeout(() => void reload(), 1000).unref();
  }
}

async function worker() {
  while (!stopping.signal.aborted) {
    if (!pool.username) {
      await sleep(50);
      continue;
    }
    try {
      await pool.query(query);
      counts.ok++;
    } catch (error) {
      counts.failed++;
      report('query_failed', { error: error.message });
    }
    await sleep(pauseMs);
  }
}

// Watch the directory, not the file: vaultlet renames a new file over the old one.
const watcher = watch(dirname(file), { depth: 0, ignoreInitial: true });
watcher.on('all', (_event, path) => {
  if (basename(path) === basename(file)) void reload();
});
await new Promise((resolveReady) => watcher.once('ready', resolveReady));
await reload();

const ticker = setInterval(() => {
  report('stats', { ok: counts.ok, failed: counts.failed, username: pool.username });
  counts.okTotal += counts.ok;
  counts.failedTotal += counts.failed;
  counts.ok = counts.failed = 0;
}, 1000);
const workers = Array.from({ length: concurrency }, () => worker());

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.once(signal, async () => {
    stopping.abort();
    clearInterval(ticker);
    await watcher.close();
    await Promise.all(workers);
    await pool.close();
    report('stopped', { ok: counts.okTotal + counts.ok, failed: counts.failedTotal + counts.failed });
    process.exit(0);
  });
}

function required(name) {
  const value = process.env[name];
  if (!value) {
    process.stderr.write(`${name} is required\n`);
    process.exit(2);
  }
  return value;
}
