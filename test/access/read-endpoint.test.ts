import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { PassThrough } from 'node:stream';
import { promisify } from 'node:util';
import { ConfigError } from '../../src/errors.js';
import { createContentVersioner, ifNoneMatchMatches } from '../../src/access/etag.js';
import { isLoopbackAddress, isLoopbackHostHeader } from '../../src/access/loopback.js';
import {
  ReadEndpoint,
  type FileReadResult,
  type ReadEndpointMetrics,
  type RefusedReason,
  type ServedFile,
} from '../../src/access/read-endpoint.js';
import { createLogger } from '../../src/log.js';

const run = promisify(execFile);

/** Another process fetches url `times` times and prints the sha256 and length of each body, one per line. */
const CHILD_READER = `
const [url, times] = process.argv.slice(1);
const { createHash } = require('node:crypto');
(async () => {
  for (let i = 0; i < Number(times); i++) {
    const res = await fetch(url);
    if (res.status !== 200) throw new Error('status ' + res.status);
    const body = Buffer.from(await res.arrayBuffer());
    console.log(createHash('sha256').update(body).digest('hex') + ' ' + body.length);
  }
})().catch((e) => { console.error(e); process.exit(1); });
`;

class RecordingMetrics implements ReadEndpointMetrics {
  readonly reads: [string, FileReadResult][] = [];
  readonly refused: RefusedReason[] = [];
  fileRead(file: string, result: FileReadResult): void {
    this.reads.push([file, result]);
  }
  requestRefused(reason: RefusedReason): void {
    this.refused.push(reason);
  }
}

/** A raw GET, so tests can send Host, Origin and methods fetch() will not. */
function send(url: string, options: { method?: string; headers?: Record<string, string> } = {}): Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? 'GET', headers: options.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject).end();
  });
}

const SECRET = 'hunter2-do-not-log';

describe('access/ReadEndpoint (real HTTP on 127.0.0.1)', () => {
  const version = createContentVersioner();
  let files: Map<string, ServedFile | 'not_ready'>;
  let metrics: RecordingMetrics;
  let logs: string;
  let clock: number;
  let endpoint: ReadEndpoint;
  let base: string;

  function put(name: string, bytes: Buffer, writtenAt = Date.UTC(2024, 0, 2, 3, 4, 5)): ServedFile {
    const file = { bytes, version: version(bytes), writtenAt };
    files.set(name, file);
    return file;
  }

  beforeEach(async () => {
    files = new Map();
    metrics = new RecordingMetrics();
    logs = '';
    clock = 1_700_000_000_000;
    const sink = new PassThrough();
    sink.on('data', (chunk: Buffer) => (logs += chunk.toString()));
    endpoint = new ReadEndpoint({
      host: '127.0.0.1',
      port: 0,
      files: (name) => files.get(name),
      metrics,
      logger: createLogger('debug', sink),
      now: () => clock,
    });
    const { url } = await endpoint.start();
    base = `${url}/v1/files`;
  });
  afterEach(() => endpoint.close());

  it('serves the exact bytes and counts every read by another process', async () => {
    // Binary on purpose: any text decoding on the way would change these bytes.
    const bytes = Buffer.concat([Buffer.from(SECRET), randomBytes(4096)]);
    const file = put('db.json', bytes);
    const { stdout } = await run(process.execPath, ['-e', CHILD_READER, `${base}/db.json`, '7']);
    const expected = `${createHash('sha256').update(bytes).digest('hex')} ${bytes.length}`;
    assert.deepEqual(stdout.trim().split('\n'), Array(7).fill(expected));
    assert.deepEqual(endpoint.reads('db.json'), { count: 7, lastReadAt: clock, lastVersion: file.version });
    assert.deepEqual(metrics.reads, Array(7).fill(['db.json', 'ok']));
    assert.equal(endpoint.reads('other.json'), undefined);
  });

  it('answers with no-store, an octet-stream type, the version as ETag and the write time', async () => {
    const file = put('api.env', Buffer.from(`API_KEY=${SECRET}\n`));
    const res = await fetch(`${base}/api.env`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    assert.equal(res.headers.get('content-type'), 'application/octet-stream');
    assert.equal(res.headers.get('etag'), `"${file.version}"`);
    assert.equal(res.headers.get('last-modified'), 'Tue, 02 Jan 2024 03:04:05 GMT');
    assert.equal(await res.text(), `API_KEY=${SECRET}\n`);
  });

  it('answers 304 to a current If-None-Match without counting a read, and 200 once the file changes', async () => {
    const v1 = put('db.json', Buffer.from('{"password":"one"}'));
    const first = await fetch(`${base}/db.json`);
    const etag = first.headers.get('etag')!;
    await first.arrayBuffer();
    clock += 1000;
    for (const header of [etag, `W/${etag}`, `"old", ${etag}`, '*']) {
      const res = await fetch(`${base}/db.json`, { headers: { 'If-None-Match': header } });
      assert.equal(res.status, 304, header);
      assert.equal((await res.arrayBuffer()).byteLength, 0);
    }
    assert.deepEqual(endpoint.reads('db.json'), { count: 1, lastReadAt: clock - 1000, lastVersion: v1.version });
    assert.deepEqual(metrics.reads.map(([, result]) => result), ['ok', 'not_modified', 'not_modified', 'not_modified', 'not_modified']);

    const v2 = put('db.json', Buffer.from('{"password":"two"}'));
    const changed = await fetch(`${base}/db.json`, { headers: { 'If-None-Match': etag } });
    assert.equal(changed.status, 200);
    assert.equal(await changed.text(), '{"password":"two"}');
    assert.equal(changed.headers.get('etag'), `"${v2.version}"`);
    assert.notEqual(v2.version, v1.version);
    assert.deepEqual(endpoint.reads('db.json'), { count: 2, lastReadAt: clock, lastVersion: v2.version });
  });

  it('answers 404 for unknown files and paths, without naming them in metrics', async () => {
    put('db.json', Buffer.from(SECRET));
    for (const path of ['/v1/files/nope.json', '/v1/files/', '/v1/files/db.json/extra', '/', '/v1/files/..%2Fdb.json']) {
      const res = await fetch(`${base.replace('/v1/files', '')}${path}`);
      assert.equal(res.status, 404, path);
      assert.ok(!(await res.text()).includes(SECRET));
    }
    assert.deepEqual(metrics.refused, Array(5).fill('not_found'));
    assert.deepEqual(metrics.reads, []);
  });

  it('answers 503 with Retry-After for a configured file not written yet', async () => {
    files.set('cert.pem', 'not_ready');
    const res = await fetch(`${base}/cert.pem`);
    assert.equal(res.status, 503);
    assert.equal(res.headers.get('retry-after'), '1');
    assert.equal(res.headers.get('cache-control'), 'no-store');
    assert.deepEqual(metrics.reads, [['cert.pem', 'not_ready']]);
    assert.equal(endpoint.reads('cert.pem'), undefined);
  });

  it('answers only GET: HEAD, POST and DELETE get 405 and count nothing', async () => {
    put('db.json', Buffer.from(SECRET));
    for (const method of ['HEAD', 'POST', 'DELETE']) {
      const res = await send(`${base}/db.json`, { method });
      assert.equal(res.status, 405, method);
      assert.equal(res.headers.allow, 'GET');
    }
    assert.deepEqual(metrics.refused, Array(3).fill('method_not_allowed'));
    assert.equal(endpoint.reads('db.json'), undefined);
  });

  it('refuses a foreign Host header (DNS rebinding) and cross-site browser requests, and logs no bytes', async () => {
    put('db.json', Buffer.from(SECRET));
    const port = new URL(base).port;
    const refused: Record<string, string>[] = [
      { Host: `evil.example:${port}` },
      { Host: `127.0.0.1.evil.example:${port}` },
      { Host: `10.0.0.5:${port}` },
      { Origin: 'http://evil.example' },
      { Origin: 'null' },
      { 'Sec-Fetch-Site': 'cross-site' },
    ];
    for (const headers of refused) {
      const res = await send(`${base}/db.json`, { headers });
      assert.equal(res.status, 403, JSON.stringify(headers));
      assert.ok(!res.body.toString().includes(SECRET));
    }
    assert.equal(endpoint.reads('db.json'), undefined);
    assert.deepEqual(metrics.refused, Array(refused.length).fill('forbidden'));

    const allowed: Record<string, string>[] = [{ Host: `localhost:${port}` }, { Host: 'LOCALHOST' }, { Origin: `http://127.0.0.1:${port}` }, { 'Sec-Fetch-Site': 'same-origin' }];
    for (const headers of allowed) {
      const res = await send(`${base}/db.json`, { headers });
      assert.equal(res.status, 200, JSON.stringify(headers));
    }
    assert.equal(endpoint.reads('db.json')?.count, 4);
    assert.match(logs, /did not come from the pod/);
    assert.ok(!logs.includes(SECRET), 'a secret reached the log');
  });

  it('answers 500 when the provider fails, logging the error but no bytes', async () => {
    files.set('broken', { bytes: Buffer.from(SECRET), version: 'has "quotes"', writtenAt: 0 });
    const res = await fetch(`${base}/broken`);
    assert.equal(res.status, 500);
    assert.ok(!(await res.text()).includes('quote'), 'the error reached the client');
    assert.match(logs, /read endpoint failed to answer/);
    assert.ok(!logs.includes(SECRET));
    assert.equal(endpoint.reads('broken'), undefined);
  });

  it('forget() drops the counts of a file removed from the config', async () => {
    put('db.json', Buffer.from(SECRET));
    await (await fetch(`${base}/db.json`)).arrayBuffer();
    assert.equal(endpoint.reads('db.json')?.count, 1);
    endpoint.forget('db.json');
    assert.equal(endpoint.reads('db.json'), undefined);
  });

  it('curl, as an app would use it, gets the bytes and then a 304', async () => {
    const file = put('token', Buffer.from(SECRET));
    const { stdout } = await run('curl', ['-s', `${base}/token`]);
    assert.equal(stdout, SECRET);
    const check = await run('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', '-H', `If-None-Match: "${file.version}"`, `${base}/token`]);
    assert.equal(check.stdout, '304');
    assert.equal(endpoint.reads('token')?.count, 1);
  });
});

describe('access/ReadEndpoint lifecycle', () => {
  const options = () => ({ port: 0, files: () => undefined, metrics: new RecordingMetrics(), logger: createLogger('silent') });

  it('refuses to start on an address other programs or hosts could reach', async () => {
    for (const host of ['0.0.0.0', '::', '10.1.2.3', 'localhost', 'example.com', '::ffff:10.0.0.1']) {
      const endpoint = new ReadEndpoint({ ...options(), host });
      await assert.rejects(endpoint.start(), (error: unknown) => {
        assert.ok(error instanceof ConfigError, host);
        assert.match(error.message, new RegExp(`"${host.replace(/[.]/g, '\\.')}" is not a loopback address`));
        return true;
      });
      await endpoint.close();
    }
  });

  it('listens on ::1 where the machine has IPv6 loopback', async function () {
    const endpoint = new ReadEndpoint({ ...options(), host: '::1' });
    try {
      const { url, port } = await endpoint.start().catch(() => this.skip());
      assert.equal(url, `http://[::1]:${port}`);
      assert.equal((await fetch(`${url}/v1/files/x`)).status, 404);
    } finally {
      await endpoint.close();
    }
  });

  it('close() is idempotent, safe before start, and stops listening even with a keep-alive client', async () => {
    await new ReadEndpoint({ ...options(), host: '127.0.0.1' }).close();
    const endpoint = new ReadEndpoint({ ...options(), host: '127.0.0.1' });
    const { url } = await endpoint.start();
    assert.equal((await fetch(`${url}/v1/files/x`)).status, 404); // fetch keeps this socket alive
    const started = Date.now();
    await Promise.all([endpoint.close(), endpoint.close()]);
    await endpoint.close();
    assert.ok(Date.now() - started < 1000, 'close waited for an idle socket');
    await assert.rejects(fetch(`${url}/v1/files/x`));
  });

  it('closes when its signal aborts', async () => {
    const controller = new AbortController();
    const endpoint = new ReadEndpoint({ ...options(), host: '127.0.0.1', signal: controller.signal });
    const { url } = await endpoint.start();
    controller.abort();
    const deadline = Date.now() + 2000;
    while (Date.now() < deadline && (await fetch(url).then(() => true, () => false))) await new Promise((r) => setTimeout(r, 20));
    await assert.rejects(fetch(url));
    await endpoint.close();
  });
});

describe('access/read-endpoint helpers', () => {
  it('knows loopback addresses and Host headers', () => {
    for (const address of ['127.0.0.1', '127.9.8.7', '::1', '::ffff:127.0.0.1']) assert.equal(isLoopbackAddress(address), true, address);
    for (const address of ['0.0.0.0', '::', '128.0.0.1', 'localhost', '']) assert.equal(isLoopbackAddress(address), false, address);
    for (const host of ['localhost', 'localhost:80', '127.0.0.1:9', '[::1]:8080', '[::1]']) assert.equal(isLoopbackHostHeader(host), true, host);
    for (const host of [undefined, '', '::1', 'localhost.evil.example', '[::2]:80', 'evil.example', '127.0.0.1:80:80']) {
      assert.equal(isLoopbackHostHeader(host), false, String(host));
    }
  });

  it('versions change with the bytes and are no plain hash of them', () => {
    const version = createContentVersioner();
    const bytes = Buffer.from('password');
    assert.equal(version(bytes), version(Buffer.from('password')));
    assert.notEqual(version(bytes), version(Buffer.from('password2')));
    assert.notEqual(version(bytes), createContentVersioner()(bytes), 'two agents share a key');
    assert.ok(!createHash('sha256').update(bytes).digest('hex').startsWith(Buffer.from(version(bytes), 'base64url').toString('hex')));
  });

  it('If-None-Match ignores tags that are not current', () => {
    assert.equal(ifNoneMatchMatches(undefined, '"a"'), false);
    assert.equal(ifNoneMatchMatches('"b", W/"c"', '"a"'), false);
    assert.equal(ifNoneMatchMatches('"b", W/"a"', '"a"'), true);
  });
});
