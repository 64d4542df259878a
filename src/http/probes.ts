import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Readiness } from './readiness.js';

const PROBES = new Set(['/healthz', '/readyz']);

/**
 * Answers /healthz and /readyz (GET and HEAD; 405 otherwise) on node:http alone and returns true,
 * or returns false for any other path. The kubelet's probes, and so the time a pod takes to
 * become ready, need not wait for express: `vaultlet run` answers them here and loads the express
 * app on the first other request. The express app answers them through this function too.
 * Throws what `readiness` throws, before anything is written.
 */
export function answerProbe(request: IncomingMessage, response: ServerResponse, readiness: () => Readiness): boolean {
  const path = (request.url ?? '').split('?', 1)[0]!;
  if (!PROBES.has(path)) return false;
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    send(request, response, 405, { status: 'method not allowed' }, { Allow: 'GET, HEAD' });
  } else if (path === '/healthz') {
    // Liveness stays 200 while the process can answer at all: restarting the pod would not fix
    // Vault being down, so that belongs in /readyz, not here.
    send(request, response, 200, { status: 'ok' });
  } else {
    const { ready, reasons } = readiness();
    if (ready) send(request, response, 200, { status: 'ready' });
    else send(request, response, 503, { status: 'not ready', reasons: [...reasons] });
  }
  return true;
}

function send(request: IncomingMessage, response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    ...headers,
    // Probe answers describe this instant; a cached one would be a lie.
    'Cache-Control': 'no-store',
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
  });
  response.end(request.method === 'HEAD' ? undefined : text);
}
