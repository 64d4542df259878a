import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A scripted stand-in for Vault's HTTP API, for unit tests that need to say exactly what Vault
 * answers and check exactly what vaultlet sent. Each route has a queue of one-shot answers and
 * an optional standing answer used once the queue is empty; unscripted routes answer 404.
 */
export interface RecordedRequest {
  readonly method: string;
  /** Path without the query, e.g. `/v1/auth/token/renew-self`. */
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  /** Parsed JSON body, or undefined when none was sent. */
  readonly body: unknown;
  /** Date.now() when the request arrived. */
  readonly at: number;
}

export type FakeReply = { readonly status?: number; readonly body?: unknown; readonly headers?: Record<string, string> };
/** `hang`: never answer; `destroy`: drop the connection without an answer. */
export type FakeAnswer = FakeReply | 'hang' | 'destroy';
export type Responder = FakeAnswer | ((request: RecordedRequest) => FakeAnswer | Promise<FakeAnswer>);

export interface FakeVault {
  readonly url: string;
  readonly requests: RecordedRequest[];
  /** The standing answer for a route, used whenever its queue is empty. */
  on(method: string, path: string, responder: Responder): FakeVault;
  /** One-shot answers, used in order before the standing answer. */
  queue(method: string, path: string, ...responders: Responder[]): FakeVault;
  /** The standing answer for every route without one of its own. */
  fallback(responder: Responder | undefined): FakeVault;
  requestsTo(method: string, path: string): RecordedRequest[];
  close(): Promise<void>;
}

const key = (method: string, path: string) => `${method.toUpperCase()} ${path}`;

async function readBody(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export async function startFakeVault(): Promise<FakeVault> {
  const standing = new Map<string, Responder>();
  const queued = new Map<string, Responder[]>();
  const requests: RecordedRequest[] = [];
  let fallback: Responder | undefined;

  const pick = (routeKey: string): Responder | undefined => queued.get(routeKey)?.shift() ?? standing.get(routeKey) ?? fallback;

  const handle = async (incoming: IncomingMessage, response: ServerResponse): Promise<void> => {
    const url = new URL(incoming.url ?? '/', 'http://fake');
    const recorded: RecordedRequest = {
      method: incoming.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      headers: incoming.headers,
      body: await readBody(incoming),
      at: Date.now(),
    };
    requests.push(recorded);
    const responder = pick(key(recorded.method, recorded.path));
    const answer: FakeAnswer =
      responder === undefined ? { status: 404, body: { errors: [] } } : typeof responder === 'function' ? await responder(recorded) : responder;
    if (answer === 'hang') return;
    if (answer === 'destroy') {
      incoming.socket.destroy();
      return;
    }
    const status = answer.status ?? 200;
    const payload = answer.body === undefined ? '' : JSON.stringify(answer.body);
    response.writeHead(status, { ...(payload ? { 'content-type': 'application/json' } : {}), ...answer.headers });
    response.end(payload);
  };

  const server = createServer((incoming, response) => {
    handle(incoming, response).catch((error: unknown) => {
      response.writeHead(500, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ errors: [`fake vault: ${String(error)}`] }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;

  const fake: FakeVault = {
    url: `http://127.0.0.1:${port}`,
    requests,
    on(method, path, responder) {
      standing.set(key(method, path), responder);
      return fake;
    },
    queue(method, path, ...responders) {
      const routeKey = key(method, path);
      queued.set(routeKey, [...(queued.get(routeKey) ?? []), ...responders]);
      return fake;
    },
    fallback(responder) {
      fallback = responder;
      return fake;
    },
    requestsTo(method, path) {
      return requests.filter((r) => r.method === method.toUpperCase() && r.path === path);
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
  return fake;
}

/** A loopback port nothing listens on, for "connection refused". */
export async function refusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
