import { request as httpRequest } from 'node:http';
import type { ActionOutcome, HttpAction } from './action.js';
import { errorCode } from './error-code.js';

/**
 * Calls the app's reload endpoint with `{"files": [...]}`. Any 2xx is success. The response
 * body is discarded unread (an app may echo its config), redirects are not followed (a POST
 * must not land somewhere else), and failures are described by error code only: messages can
 * quote the URL, whose query may hold a token. node:http rather than fetch: fetch loads undici
 * and its WebAssembly parser, which the image's --lite-mode does not have.
 */
export async function callHttpHook(action: HttpAction, files: readonly string[], cancel: AbortSignal): Promise<ActionOutcome> {
  const timeout = AbortSignal.timeout(action.timeoutMs);
  const body = JSON.stringify({ files });
  const url = new URL(action.url);
  // node:https (and TLS) is loaded only for an https hook: most hooks are plain loopback HTTP.
  const send = url.protocol === 'https:' ? process.getBuiltinModule('node:https').request : httpRequest;
  try {
    const status = await new Promise<number>((resolve, reject) => {
      const outgoing = send(url, {
        method: action.method,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...action.headers },
        signal: AbortSignal.any([timeout, cancel]),
        agent: false,
      });
      outgoing.once('response', (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      });
      outgoing.once('error', reject);
      outgoing.end(body);
    });
    return { result: status >= 200 && status < 300 ? 'success' : 'failure', detail: { status } };
  } catch (error) {
    if (timeout.aborted) return { result: 'timeout', detail: {} };
    if (cancel.aborted) return { result: 'failure', detail: { reason: 'cancelled' } };
    return { result: 'failure', detail: { code: errorCode(error) } };
  }
}
