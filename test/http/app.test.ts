import assert from 'node:assert/strict';
import { Counter } from 'prom-client';
import { createRegistry } from '../../src/metrics/registry.js';
import { createHttpApp, type Readiness } from '../../src/http/app.js';
import { startHttpServer, type HttpServer } from '../../src/http/server.js';

describe('createHttpApp', () => {
  let server: HttpServer;
  let readiness: () => Readiness;
  const registry = createRegistry({ processMetrics: false });
  new Counter({ name: 'test_scrapes_total', help: 'A metric to find in the output.', registers: [registry] }).inc(3);

  before(async () => {
    const app = createHttpApp({ registry, readiness: () => readiness() });
    server = await startHttpServer(app, '127.0.0.1', 0);
  });
  after(() => server.close());
  beforeEach(() => {
    readiness = () => ({ ready: true, reasons: [] });
  });

  it('answers /healthz with 200 ok even when not ready', async () => {
    readiness = () => ({ ready: false, reasons: ['not logged in'] });
    const res = await fetch(`${server.url}/healthz`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    assert.deepEqual(await res.json(), { status: 'ok' });
  });

  it('answers /readyz with 200 when ready', async () => {
    const res = await fetch(`${server.url}/readyz`);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { status: 'ready' });
  });

  it('answers /readyz with 503 and the reasons when not ready', async () => {
    readiness = () => ({ ready: false, reasons: ['not logged in', 'secret "db": not written yet'] });
    const res = await fetch(`${server.url}/readyz`);
    assert.equal(res.status, 503);
    assert.deepEqual(await res.json(), {
      status: 'not ready',
      reasons: ['not logged in', 'secret "db": not written yet'],
    });
  });

  it('serves the registry on /metrics with its content type', async () => {
    const res = await fetch(`${server.url}/metrics`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), registry.contentType);
    const body = await res.text();
    assert.match(body, /^# TYPE test_scrapes_total counter$/m);
    assert.match(body, /^test_scrapes_total 3$/m);
  });

  it('answers HEAD like GET without a body', async () => {
    const res = await fetch(`${server.url}/healthz`, { method: 'HEAD' });
    assert.equal(res.status, 200);
    assert.equal(await res.text(), '');
  });

  it('refuses other methods with 405 and an Allow header', async () => {
    const res = await fetch(`${server.url}/readyz`, { method: 'POST' });
    assert.equal(res.status, 405);
    assert.equal(res.headers.get('allow'), 'GET, HEAD');
  });

  it('answers unknown paths with a JSON 404', async () => {
    const res = await fetch(`${server.url}/nope`);
    assert.equal(res.status, 404);
    assert.deepEqual(await res.json(), { status: 'not found' });
  });

  it('does not advertise express and forbids caching', async () => {
    const res = await fetch(`${server.url}/healthz`);
    assert.equal(res.headers.get('x-powered-by'), null);
    assert.equal(res.headers.get('cache-control'), 'no-store');
  });

  it('turns a failing handler into a bare 500 without message or stack', async () => {
    readiness = () => {
      throw new Error('boom at /var/run/secret-path');
    };
    const res = await fetch(`${server.url}/readyz`);
    assert.equal(res.status, 500);
    const body = await res.text();
    assert.deepEqual(JSON.parse(body), { status: 'error', error: 'Internal Server Error' });
    assert.doesNotMatch(body, /boom|secret-path|at /);
  });

  it('turns a failing scrape into a 500', async () => {
    const failing = createRegistry({ processMetrics: false });
    new Counter({
      name: 'test_broken_total',
      help: 'Fails at collect.',
      registers: [failing],
      collect() {
        throw new Error('collect failed');
      },
    });
    const other = await startHttpServer(createHttpApp({ registry: failing, readiness }), '127.0.0.1', 0);
    try {
      const res = await fetch(`${other.url}/metrics`);
      assert.equal(res.status, 500);
      assert.doesNotMatch(await res.text(), /collect failed/);
    } finally {
      await other.close();
    }
  });
});
