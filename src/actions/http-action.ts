import type { ActionOutcome, HttpAction } from './action.js';
import { errorCode } from './error-code.js';

/**
 * Calls the app's reload endpoint with `{"files": [...]}`. Any 2xx is success. The response
 * body is discarded unread (an app may echo its config), redirects are not followed (a POST
 * must not land somewhere else), and failures are described by error code only: fetch's
 * messages can quote the URL, whose query may hold a token.
 */
export async function callHttpHook(action: HttpAction, files: readonly string[], cancel: AbortSignal): Promise<ActionOutcome> {
  const timeout = AbortSignal.timeout(action.timeoutMs);
  try {
    const response = await fetch(action.url, {
      method: action.method,
      headers: { 'content-type': 'application/json', ...action.headers },
      body: JSON.stringify({ files }),
      redirect: 'manual',
      signal: AbortSignal.any([timeout, cancel]),
    });
    await response.body?.cancel().catch(() => {});
    return { result: response.ok ? 'success' : 'failure', detail: { status: response.status } };
  } catch (error) {
    if (timeout.aborted) return { result: 'timeout', detail: {} };
    if (cancel.aborted) return { result: 'failure', detail: { reason: 'cancelled' } };
    return { result: 'failure', detail: { code: errorCode((error as { cause?: unknown }).cause ?? error) } };
  }
}
