import { createServer as createHttpServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { DevFaults, RecordedRequest, RequestMatch } from '../../src/devserver/index.js';
import { defaultFaults, delay, holdWhileHanging, injectedFaultMessage } from '../../src/devserver/faults.js';
import { LIST_MARKER_HEADER, ListAwareSocket } from '../../src/devserver/list-method.js';
import { DevListener } from '../../src/devserver/listener.js';
import { countRequests } from '../../src/devserver/request-match.js';

/**
 * The faults a test switches on in front of any Vault (the dev server or OpenBao), with the dev
 * server's own switch names, plus two only a proxy can make. `errorPathPattern` limits the
 * injected errors, the reset and the truncation to matching paths.
 */
export interface ProxyFaults extends DevFaults {
  /** The connection is dropped without an answer: the client sees ECONNRESET. */
  reset: boolean;
  /** Vault's status and headers go out, then the body stops halfway and the connection drops. */
  truncate: boolean;
}

/** One request through the proxy, as the dev server records them, plus the lease it was given. */
export interface ProxiedRequest extends RecordedRequest {
  /** The lease_id of a 2xx answer, when it had one. */
  leaseId?: string;
}

export interface FaultProxy {
  readonly url: string;
  readonly faults: ProxyFaults;
  readonly requests: ProxiedRequest[];
  countRequests(match?: RequestMatch, sinceMs?: number): number;
  /** Every token the proxy saw sent or handed out (the root token aside), for tests that check none leaks. */
  tokensSeen(): string[];
  /** Stops listening and drops open connections (ECONNREFUSED), like a Vault that is down. */
  refuseConnections(): Promise<void>;
  acceptConnections(): Promise<void>;
  close(): Promise<void>;
}

/** Vault's paths that answer while sealed. */
const SEALED_EXEMPT = new Set(['sys/health', 'sys/seal-status']);
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'host']);

/**
 * An HTTP proxy in front of a Vault server that records every request (method, path, body, status,
 * the token's accessor, the lease handed out) and injects faults. Tokens are mapped to accessors
 * from the `auth` blocks of the answers it forwards (logins, token creation, unwrapped tokens),
 * else by one `auth/token/lookup` with the root token, so a test can revoke the agent's token.
 */
export async function startFaultProxy(upstream: string, rootToken: string): Promise<FaultProxy> {
  const faults: ProxyFaults = { ...defaultFaults(), reset: false, truncate: false };
  const requests: ProxiedRequest[] = [];
  const accessors = new Map<string, string>();
  const stopping = new AbortController();

  const accessorOf = async (token: string): Promise<string | undefined> => {
    const known = accessors.get(token);
    if (known) return known;
    const answer = await forward(upstream, 'POST', 'auth/token/lookup', '', { 'x-vault-token': rootToken }, Buffer.from(JSON.stringify({ token })));
    const accessor = (parseJson(answer.body) as { data?: { accessor?: string } } | undefined)?.data?.accessor;
    if (accessor) accessors.set(token, accessor);
    return accessor;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const body = await readBody(req);
    const url = new URL(req.url ?? '/', 'http://proxy');
    const method = req.headers[LIST_MARKER_HEADER] ? 'LIST' : req.method ?? 'GET';
    const path = url.pathname.replace(/^\/v1\//, '').replace(/^\/+/, '');
    const record: ProxiedRequest = {
      method, path, query: Object.fromEntries(url.searchParams), body: parseJson(body), status: 0, at: Date.now(),
    };
    requests.push(record);
    const answer = (status: number, headers: Record<string, string>, text: string) => {
      record.status = status;
      record.answeredAt = Date.now();
      res.writeHead(status, { ...headers, 'content-length': Buffer.byteLength(text) });
      res.end(text);
    };
    const vaultError = (status: number, message: string, headers: Record<string, string> = {}) =>
      answer(status, { 'content-type': 'application/json', ...headers }, `${JSON.stringify({ errors: [message] })}\n`);

    const slow = !faults.latencyPathPattern || faults.latencyPathPattern.test(path);
    if (faults.latencyMs > 0 && slow) await delay(faults.latencyMs, stopping.signal);
    if (faults.hang && !(await holdWhileHanging(faults, res, stopping.signal))) return;
    if (faults.sealed && !SEALED_EXEMPT.has(path)) return vaultError(503, 'Vault is sealed');
    const targeted = !faults.errorPathPattern || faults.errorPathPattern.test(path);
    if (faults.errorStatus > 0 && targeted && Math.random() < faults.errorRate) {
      const retryAfter: Record<string, string> = faults.retryAfterSeconds !== undefined && [429, 503].includes(faults.errorStatus) ? { 'retry-after': String(faults.retryAfterSeconds) } : {};
      return vaultError(faults.errorStatus, injectedFaultMessage(faults.errorStatus), retryAfter);
    }
    if (faults.reset && targeted) {
      req.socket.destroy();
      return;
    }
    const token = req.headers['x-vault-token'];
    if (typeof token === 'string' && token) {
      const accessor = await accessorOf(token).catch(() => undefined);
      if (accessor) record.tokenAccessor = accessor;
    }
    const headers = Object.fromEntries(Object.entries(req.headers).filter(([name]) => !HOP_BY_HOP.has(name) && name !== LIST_MARKER_HEADER)) as Record<string, string>;
    const query = new URLSearchParams(url.searchParams);
    if (method === 'LIST') query.set('list', 'true');
    const upstreamAnswer = await forward(upstream, method === 'LIST' ? 'GET' : method, path, query.toString(), headers, body);
    learn(upstreamAnswer.body, record, accessors);
    if (faults.sealed && path === 'sys/health') {
      // A sealed Vault's health: 503 and "sealed": true, the rest as the server says.
      const health = { ...(parseJson(upstreamAnswer.body) as object), sealed: true };
      return answer(503, { 'content-type': 'application/json' }, JSON.stringify(health));
    }
    const responseHeaders = Object.fromEntries(Object.entries(upstreamAnswer.headers).filter(([name]) => !HOP_BY_HOP.has(name))) as Record<string, string>;
    if (faults.truncate && targeted && upstreamAnswer.body.length > 1) {
      record.status = upstreamAnswer.status;
      record.answeredAt = Date.now();
      res.writeHead(upstreamAnswer.status, { ...responseHeaders, 'content-length': upstreamAnswer.body.length });
      res.write(upstreamAnswer.body.subarray(0, Math.floor(upstreamAnswer.body.length / 2)), () => res.destroy());
      return;
    }
    answer(upstreamAnswer.status, responseHeaders, upstreamAnswer.body.toString('utf8'));
  };

  const http = createHttpServer((req, res) => {
    handle(req, res).catch((error: Error) => {
      if (!res.headersSent) {
        res.writeHead(502, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ errors: [`fault proxy: ${error.message}`] }));
      } else res.destroy();
    });
  });
  const listener = new DevListener('127.0.0.1', 0, (socket) => http.emit('connection', new ListAwareSocket(socket)));
  await listener.listen();
  let closing: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${listener.boundPort}`,
    faults,
    requests,
    countRequests: (match, sinceMs) => countRequests(requests, match, sinceMs),
    tokensSeen: () => [...accessors.keys()].filter((token) => token !== rootToken),
    refuseConnections: () => listener.refuse(),
    acceptConnections: () => listener.listen(),
    close: () => (closing ??= (async () => {
      stopping.abort();
      await listener.close();
    })()),
  };
}

/** Remembers what an answer tells about tokens and leases. */
function learn(body: Buffer, record: ProxiedRequest, accessors: Map<string, string>): void {
  const json = parseJson(body) as { lease_id?: string; auth?: { client_token?: string; accessor?: string } } | undefined;
  if (!json) return;
  if (json.auth?.client_token && json.auth.accessor) accessors.set(json.auth.client_token, json.auth.accessor);
  if (json.lease_id) record.leaseId = json.lease_id;
}

interface UpstreamAnswer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Buffer;
}

function forward(upstream: string, method: string, path: string, query: string, headers: Record<string, string>, body: Buffer): Promise<UpstreamAnswer> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(`${upstream}/v1/${path}${query ? `?${query}` : ''}`, {
      method, headers: { ...headers, ...(body.length ? { 'content-length': String(body.length) } : {}) },
    }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.once('end', () => resolve({ status: response.statusCode ?? 502, headers: response.headers, body: Buffer.concat(chunks) }));
      response.once('error', reject);
    });
    request.once('error', reject);
    request.end(body.length ? body : undefined);
  });
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', reject);
  });
}

function parseJson(body: Buffer): unknown {
  if (body.length === 0) return undefined;
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}
