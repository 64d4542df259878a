import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { answerProbe } from '../../src/http/probes.js';
import type { Readiness } from '../../src/http/readiness.js';

/** The probes on node:http alone, as `vaultlet run` serves them before express has loaded. */
describe('answerProbe', () => {
  let server: Server;
  let url: string;
  let readiness: () => Readiness;

  before(async () => {
    server = createServer((request, response) => {
      try {
        if (answerProbe(request, response, () => readiness())) return;
        response.writeHead(418).end('not a probe');
      } catch {
        response.writeHead(500).end('threw');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  after(() => new Promise((resolve) => server.close(resolve)));
  beforeEach(() => {
    readiness = () => ({ ready: true, reasons: [] });
  });

  it('answers /healthz 200 ok even when not ready, as JSON that is never cached', async () => {
    readiness = () => ({ ready: false, reasons: ['not logged in'] });
    const res = await fetch(`${url}/healthz`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/json; charset=utf-8');
    assert.equal(res.headers.get('cache-control'), 'no-store');
    assert.deepEqual(await res.json(), { status: 'ok' });
  });

  it('answers /readyz 200 when ready and 503 with the reasons when not, asking at every request', async () => {
    assert.deepEqual(await (await fetch(`${url}/readyz`)).json(), { status: 'ready' });
    readiness = () => ({ ready: false, reasons: ['secret "db": not written yet'] });
    const res = await fetch(`${url}/readyz?verbose=1`);
    assert.equal(res.status, 503);
    assert.deepEqual(await res.json(), { status: 'not ready', reasons: ['secret "db": not written yet'] });
  });

  it('answers HEAD without a body and other methods with 405 and Allow', async () => {
    const head = await fetch(`${url}/readyz`, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(await head.text(), '');
    const post = await fetch(`${url}/healthz`, { method: 'POST' });
    assert.equal(post.status, 405);
    assert.equal(post.headers.get('allow'), 'GET, HEAD');
  });

  it('leaves every other path to the caller', async () => {
    for (const path of ['/metrics', '/status', '/readyz/extra', '/']) {
      const res = await fetch(`${url}${path}`);
      assert.equal(res.status, 418, path);
    }
  });

  it('throws what readiness throws before writing anything, so the caller can answer', async () => {
    readiness = () => {
      throw new Error('boom');
    };
    const res = await fetch(`${url}/readyz`);
    assert.equal(res.status, 500);
    assert.equal(await res.text(), 'threw');
  });
});
