import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, it } from 'mocha';
import type { HttpAction } from '../../src/actions/action.js';
import { callHttpHook } from '../../src/actions/http-action.js';

interface Received {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** A loopback listener that records each request and answers with `reply`. */
async function listen(reply: (response: ServerResponse) => void): Promise<{ server: Server; url: string; received: Received[] }> {
  const received: Received[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (body += chunk));
    request.on('end', () => {
      received.push({ method: request.method ?? '', url: request.url ?? '', headers: request.headers, body });
      reply(response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}`, received };
}

describe('callHttpHook', () => {
  let server: Server | undefined;
  const cancel = new AbortController().signal;
  const hook = (url: string, extra: Partial<HttpAction> = {}): HttpAction => ({ kind: 'http', url, method: 'POST', timeoutMs: 2000, ...extra });

  afterEach(async () => {
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
    server = undefined;
  });

  it('POSTs the changed files as JSON with the configured headers, and a 2xx is success', async () => {
    const listener = await listen((response) => response.writeHead(204).end());
    server = listener.server;
    const outcome = await callHttpHook(hook(`${listener.url}/-/reload?x=1`, { headers: { authorization: 'Bearer t0k3n' } }), ['/out/tls.crt', '/out/tls.key'], cancel);
    assert.deepEqual(outcome, { result: 'success', detail: { status: 204 } });
    assert.equal(listener.received.length, 1);
    const [request] = listener.received;
    assert.equal(request!.method, 'POST');
    assert.equal(request!.url, '/-/reload?x=1');
    assert.equal(request!.headers['content-type'], 'application/json');
    assert.equal(request!.headers.authorization, 'Bearer t0k3n');
    assert.deepEqual(JSON.parse(request!.body), { files: ['/out/tls.crt', '/out/tls.key'] });
  });

  it('uses PUT when configured', async () => {
    const listener = await listen((response) => response.writeHead(200).end('ok'));
    server = listener.server;
    const outcome = await callHttpHook(hook(listener.url, { method: 'PUT' }), ['a'], cancel);
    assert.equal(outcome.result, 'success');
    assert.equal(listener.received[0]!.method, 'PUT');
  });

  it('treats a non-2xx status as failure and a redirect as failure, without following it', async () => {
    const failing = await listen((response) => response.writeHead(500).end('db password is hunter2'));
    server = failing.server;
    assert.deepEqual(await callHttpHook(hook(failing.url), ['a'], cancel), { result: 'failure', detail: { status: 500 } });
    server.close();
    const redirecting = await listen((response) => response.writeHead(307, { location: '/elsewhere' }).end());
    server = redirecting.server;
    assert.deepEqual(await callHttpHook(hook(redirecting.url), ['a'], cancel), { result: 'failure', detail: { status: 307 } });
    assert.equal(redirecting.received.length, 1);
  });

  it('times out when the app does not answer', async () => {
    const listener = await listen(() => {});
    server = listener.server;
    const started = Date.now();
    const outcome = await callHttpHook(hook(listener.url, { timeoutMs: 150 }), ['a'], cancel);
    assert.equal(outcome.result, 'timeout');
    assert.ok(Date.now() - started < 1500);
  });

  it('fails with the error code when nothing listens, never quoting the URL', async () => {
    const listener = await listen((response) => response.end());
    const { url } = listener;
    await new Promise((resolve) => listener.server.close(resolve));
    const outcome = await callHttpHook(hook(`${url}/reload?token=s3cr3t`), ['a'], cancel);
    assert.deepEqual(outcome, { result: 'failure', detail: { code: 'ECONNREFUSED' } });
  });

  it('fails as cancelled when shutdown aborts the call', async () => {
    const listener = await listen(() => {});
    server = listener.server;
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const outcome = await callHttpHook(hook(listener.url), ['a'], controller.signal);
    assert.deepEqual(outcome, { result: 'failure', detail: { reason: 'cancelled' } });
  });
});
