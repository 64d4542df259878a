import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { AgentStatus } from '../../src/agent.js';
import { createHttpApp } from '../../src/http/app.js';
import { startHttpServer, type HttpServer } from '../../src/http/server.js';
import { STATUS_SCRIPT } from '../../src/http/status-script.js';
import type { StatusView } from '../../src/http/status-view.js';
import { createRegistry } from '../../src/metrics/registry.js';

const NOW = Date.parse('2030-01-01T12:00:00Z');
const HOSTILE = `<img src=x onerror="alert('pwned')">&amp;`;

/** A secret with its one file and what the access tracker knows of it, as the tests write them. */
type Row = Omit<AgentStatus['secrets'][number], 'files'> & { file: string };

/** A status with these secrets (one file each, unless `files` says otherwise). */
function agentStatus(overrides: Partial<Omit<AgentStatus, 'secrets'>> & { secrets?: Row[] } = {}): AgentStatus {
  const { secrets = rows(), files, ...rest } = overrides;
  const own: AgentStatus['files'] = secrets.map((secret) => ({
    file: secret.file, path: `/vault/secrets/${secret.file}`, secrets: [secret.name], format: 'json', trackReads: true, upToDate: secret.ready, accessTracked: true,
  }));
  return {
    ready: true,
    tokenExpiresAt: NOW + 3_600_000,
    ...rest,
    secrets: secrets.map(({ file, ...secret }) => ({ ...secret, files: [file] })),
    files: files ?? own,
  };
}

function rows(): Row[] {
  return [
    { name: 'db', engine: 'database', file: 'db.json', ready: true, expiresAt: NOW + 125_000, renewable: true, lastWriteAt: NOW - 60_000, lastRenewalAt: NOW - 5_000 },
    { name: 'app-config', engine: 'kv2', file: 'config.json', ready: true, expiresAt: Infinity, version: 3, lastWriteAt: NOW - 2_000 },
    { name: 'tls', engine: 'pki', file: 'tls.crt', ready: true, expiresAt: NOW + 600_000, renewable: false, lastWriteAt: NOW - 30_000 },
    { name: 'cache', engine: 'database', file: 'cache.json', ready: false, lastError: 'Vault refused database/creds/cache: permission denied' },
  ];
}

/** db.json, app.conf drawn from db and app-config, a CA file with track_reads: false, a file not written yet. */
function files(): AgentStatus['files'] {
  return [
    { file: 'db.json', path: '/vault/secrets/db.json', secrets: ['db'], format: 'json', trackReads: true, upToDate: true, lastWriteAt: NOW - 60_000, accessTracked: true, versionWrittenAt: NOW - 60_000, appReadAt: NOW - 57_000 },
    { file: 'app.conf', path: '/vault/secrets/app.conf', secrets: ['db', 'app-config'], format: 'template', trackReads: true, upToDate: true, lastWriteAt: NOW - 2_000, accessTracked: true, versionWrittenAt: NOW - 2_000, unreadSince: NOW - 1_000_000 },
    { file: 'tls-ca.crt', path: '/vault/secrets/tls-ca.crt', secrets: ['tls'], format: 'pem', trackReads: false, upToDate: true, lastWriteAt: NOW - 30_000, accessTracked: false },
    { file: 'cache.json', path: '/vault/secrets/cache.json', secrets: ['cache'], format: 'json', trackReads: true, upToDate: false, accessTracked: true },
  ];
}

describe('/status and /status.json', () => {
  let server: HttpServer;
  let status: () => AgentStatus;

  before(async () => {
    const app = createHttpApp({ registry: createRegistry({ processMetrics: false }), readiness: () => ({ ready: true, reasons: [] }), status: () => status(), now: () => NOW });
    server = await startHttpServer(app, '127.0.0.1', 0);
  });
  after(() => server.close());
  beforeEach(() => {
    status = () => agentStatus();
  });

  it('reports each secret and each file as JSON, spelling out "never expires" instead of Infinity', async () => {
    status = () => agentStatus({ files: files() });
    const res = await fetch(`${server.url}/status.json`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    const view = (await res.json()) as StatusView;
    assert.equal(view.now, NOW);
    assert.equal(view.token, 'expires');
    assert.equal(view.tokenExpiresAt, NOW + 3_600_000);
    assert.deepEqual(
      view.secrets.map((s) => [s.name, s.lease, s.expiresAt, s.version, s.files, s.lastError]),
      [
        ['db', 'leased', NOW + 125_000, null, ['db.json'], null],
        ['app-config', 'unleased', null, 3, ['config.json'], null],
        ['tls', 'leased', NOW + 600_000, null, ['tls.crt'], null],
        ['cache', 'pending', null, null, ['cache.json'], 'Vault refused database/creds/cache: permission denied'],
      ],
    );
    assert.deepEqual(
      view.files.map((f) => [f.file, f.secrets, f.trackReads, f.accessTracked, f.versionWrittenAt, f.appReadAt, f.unreadSince]),
      [
        ['db.json', ['db'], true, true, NOW - 60_000, NOW - 57_000, null],
        ['app.conf', ['db', 'app-config'], true, true, NOW - 2_000, null, NOW - 1_000_000],
        ['tls-ca.crt', ['tls'], false, false, null, null, null],
        ['cache.json', ['cache'], true, true, null, null, null],
      ],
    );
    assert.ok(!JSON.stringify(view).includes('/vault/secrets'), 'file names without the directory');
  });

  it('says when the agent has no token, or one that never expires', async () => {
    status = () => agentStatus({ tokenExpiresAt: undefined, authError: 'login refused', ready: false });
    let view = (await (await fetch(`${server.url}/status.json`)).json()) as StatusView;
    assert.deepEqual([view.token, view.tokenExpiresAt, view.authError, view.ready], ['none', null, 'login refused', false]);
    status = () => agentStatus({ tokenExpiresAt: Infinity });
    view = (await (await fetch(`${server.url}/status.json`)).json()) as StatusView;
    assert.deepEqual([view.token, view.tokenExpiresAt], ['never-expires', null]);
  });

  it('renders a secrets table and a files table, one row per file, first paint included', async () => {
    status = () => agentStatus({ files: files() });
    const res = await fetch(`${server.url}/status`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/html; charset=utf-8/);
    const html = await res.text();
    const headers = [...html.matchAll(/<th scope="col">([^<]*)<\/th>/g)].map((m) => m[1]);
    assert.deepEqual(headers, ['secret', 'engine', 'lease time left', 'last renewal', 'ready', 'last error', 'file', 'from', 'last write', 'up to date', 'app read current version*']);
    assert.deepEqual(cellsOf(rowOf(html, 'secret', 'db')), ['db', 'database', '2m 05s', '5s ago', 'yes', '—']);
    assert.deepEqual(cellsOf(rowOf(html, 'secret', 'app-config')).slice(2, 4), ['no lease (version 3)', '— (no lease)']);
    assert.deepEqual(cellsOf(rowOf(html, 'secret', 'tls')).slice(2, 4), ['10m 00s', 'not renewable']);
    assert.deepEqual(cellsOf(rowOf(html, 'secret', 'cache')).slice(2), ['not leased yet', 'not yet', 'no', 'Vault refused database/creds/cache: permission denied']);
    assert.deepEqual(cellsOf(rowOf(html, 'file', 'db.json')), ['db.json', 'db', '1m 00s ago', 'yes', 'yes, 3s after write']);
    assert.deepEqual(cellsOf(rowOf(html, 'file', 'app.conf')), ['app.conf', 'db, app-config', '2s ago', 'yes', 'not yet (16m 40s)']);
    assert.equal(html.match(/data-file="app.conf"/g)?.length, 1, 'a file drawn from two secrets is one row');
    assert.deepEqual(cellsOf(rowOf(html, 'file', 'tls-ca.crt')).slice(4), ['not tracked']);
    assert.deepEqual(cellsOf(rowOf(html, 'file', 'cache.json')).slice(2, 4), ['never', 'not written yet']);
    assert.ok(!html.includes('/vault/secrets/'), 'file names without the directory');
    // Every cell names its column, which a narrow screen shows in place of the header.
    assert.match(rowOf(html, 'secret', 'db'), /<td class="time" data-label="lease time left"[^>]*>2m 05s<\/td>/);
    assert.match(html, /<dt>agent<\/dt><dd class="ok">ready<\/dd>/);
    assert.match(html, /<dt>Vault token<\/dt><dd>expires in 1h 00m 00s<\/dd>/);
    assert.match(html, /sees the first read of each version it writes, not every read/);
    assert.ok(!html.includes('n/a'));
  });

  it('says "unknown" for app reads when the output mount is noatime, never "not yet"', async () => {
    status = () => agentStatus({ files: files().map((f) => ({ ...f, accessTracked: false, appReadAt: undefined })) });
    const html = await (await fetch(`${server.url}/status`)).text();
    for (const name of ['db.json', 'app.conf', 'cache.json']) assert.equal(cellsOf(rowOf(html, 'file', name))[4], 'unknown (noatime mount)', name);
  });

  it('escapes names, files and errors from config and Vault everywhere they appear', async () => {
    status = () => agentStatus({ authError: HOSTILE, secrets: [{ name: HOSTILE, engine: HOSTILE, file: HOSTILE, ready: false, lastError: HOSTILE }] });
    const html = await (await fetch(`${server.url}/status`)).text();
    assert.ok(!html.includes('<img'), 'no markup from data reaches the page');
    assert.ok(!html.includes(`"alert('pwned')"`));
    const escaped = '&lt;img src=x onerror=&quot;alert(&#39;pwned&#39;)&quot;&gt;&amp;amp;';
    assert.ok(html.split(escaped).length - 1 >= 4, 'name, engine, file and error each appear escaped');
    // The view in the data attribute survives the round trip intact.
    const attribute = /<body data-view="([^"]*)">/.exec(html)?.[1];
    assert.ok(attribute);
    const decoded = attribute.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
    assert.equal((JSON.parse(decoded) as StatusView).secrets[0]!.name, HOSTILE);
  });

  it('lets only its own inline script and style run (CSP hashes match the page)', async () => {
    const res = await fetch(`${server.url}/status`);
    const csp = res.headers.get('content-security-policy') ?? '';
    const html = await res.text();
    const script = /<script>([\s\S]*)<\/script>/.exec(html)?.[1] ?? '';
    const style = /<style>([\s\S]*)<\/style>/.exec(html)?.[1] ?? '';
    const hash = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;
    assert.match(csp, /default-src 'none'/);
    assert.ok(csp.includes(`script-src ${hash(script)}`), csp);
    assert.ok(csp.includes(`style-src ${hash(style)}`), csp);
    assert.match(csp, /connect-src 'self'/);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(script, STATUS_SCRIPT);
    assert.doesNotThrow(() => new Function(STATUS_SCRIPT), 'the inlined script parses');
    assert.ok(!/innerHTML|outerHTML|insertAdjacentHTML|document\.write/.test(STATUS_SCRIPT), 'the script never parses data as HTML');
  });

  it('answers HEAD, refuses other methods, and is absent when no status is wired', async () => {
    assert.equal((await fetch(`${server.url}/status`, { method: 'HEAD' })).status, 200);
    const post = await fetch(`${server.url}/status.json`, { method: 'POST' });
    assert.equal(post.status, 405);
    const bare = await startHttpServer(createHttpApp({ registry: createRegistry({ processMetrics: false }), readiness: () => ({ ready: true, reasons: [] }) }), '127.0.0.1', 0);
    try {
      assert.equal((await fetch(`${bare.url}/status`)).status, 404);
      assert.equal((await fetch(`${bare.url}/status.json`)).status, 404);
    } finally {
      await bare.close();
    }
  });
});

function rowOf(html: string, kind: 'secret' | 'file', name: string): string {
  const row = new RegExp(`<tr data-${kind}="${name}">(.*?)</tr>`).exec(html)?.[1];
  assert.ok(row, `a row for ${kind} ${name}`);
  return row;
}

function cellsOf(row: string): string[] {
  return [...row.matchAll(/<td[^>]*>(.*?)<\/td>/g)].map((m) => m[1]!);
}
