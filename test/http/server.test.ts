import assert from 'node:assert/strict';
import { request, Agent } from 'node:http';
import express from 'express';
import { startHttpServer } from '../../src/http/server.js';
import { AbortedError, VaultletError } from '../../src/errors.js';

function helloApp(): express.Express {
  const app = express();
  app.get('/', (_req, res) => {
    res.send('hello');
  });
  return app;
}

/** Whether something still accepts connections at url (fetch throws on ECONNREFUSED). */
async function accepting(url: string): Promise<boolean> {
  try {
    await fetch(url);
    return true;
  } catch {
    return false;
  }
}

/** A GET over a keep-alive agent, so the socket stays open after the answer. */
function keepAliveGet(url: string, agent: Agent): Promise<string> {
  return new Promise((resolve, reject) => {
    request(url, { agent }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk));
      res.on('end', () => resolve(body));
    })
      .on('error', reject)
      .end();
  });
}

describe('startHttpServer', () => {
  it('listens on the loopback with the real port in url', async () => {
    const server = await startHttpServer(helloApp(), '127.0.0.1', 0);
    try {
      assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.notEqual(server.url, 'http://127.0.0.1:0');
      assert.equal(await (await fetch(server.url)).text(), 'hello');
    } finally {
      await server.close();
    }
  });

  it('close() stops listening, is idempotent, and does not wait for idle keep-alive sockets', async () => {
    const server = await startHttpServer(helloApp(), '127.0.0.1', 0);
    const agent = new Agent({ keepAlive: true });
    try {
      assert.equal(await keepAliveGet(server.url, agent), 'hello');
      const started = Date.now();
      await Promise.all([server.close(), server.close()]);
      await server.close();
      assert.ok(Date.now() - started < 1000, 'close waited on an idle socket');
      assert.equal(await accepting(server.url), false);
    } finally {
      agent.destroy();
    }
  });

  it('closes itself when the signal aborts', async () => {
    const controller = new AbortController();
    const server = await startHttpServer(helloApp(), '127.0.0.1', 0, controller.signal);
    assert.equal(await accepting(server.url), true);
    controller.abort();
    // No close() call here: only the abort can stop it. Closing is asynchronous, so poll briefly.
    const deadline = Date.now() + 2000;
    while ((await accepting(server.url)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.equal(await accepting(server.url), false);
    await server.close();
  });

  it('takes the port at once and holds requests until an app still loading is ready', async () => {
    let ready!: (app: express.Express) => void;
    const loading = new Promise<express.Express>((resolve) => (ready = resolve));
    const server = await startHttpServer(loading, '127.0.0.1', 0);
    try {
      const answer = fetch(server.url).then((response) => response.text());
      const early = await Promise.race([answer, new Promise((resolve) => setTimeout(() => resolve('still waiting'), 200))]);
      assert.equal(early, 'still waiting');
      ready(helloApp());
      assert.equal(await answer, 'hello');
    } finally {
      await server.close();
    }
  });

  it('answers a bare 500 when the app fails to load, and keeps listening', async () => {
    const server = await startHttpServer(Promise.reject(new Error('chunk missing')), '127.0.0.1', 0);
    try {
      for (let i = 0; i < 2; i++) {
        const response = await fetch(server.url);
        assert.equal(response.status, 500);
        assert.equal(await response.text(), '');
      }
    } finally {
      await server.close();
    }
  });

  it('does not start when the signal has already aborted', async () => {
    await assert.rejects(startHttpServer(helloApp(), '127.0.0.1', 0, AbortSignal.abort()), AbortedError);
  });

  it('rejects with host:port named when the address is in use', async () => {
    const first = await startHttpServer(helloApp(), '127.0.0.1', 0);
    const port = Number(new URL(first.url).port);
    try {
      await assert.rejects(startHttpServer(helloApp(), '127.0.0.1', port), (error: unknown) => {
        assert.ok(error instanceof VaultletError);
        assert.match(error.message, new RegExp(`127\\.0\\.0\\.1:${port}`));
        assert.match(error.message, /address already in use/);
        assert.equal((error.cause as NodeJS.ErrnoException).code, 'EADDRINUSE');
        return true;
      });
      assert.equal(await (await fetch(first.url)).text(), 'hello');
    } finally {
      await first.close();
    }
  });
});
