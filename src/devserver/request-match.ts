import type { RecordedRequest, RequestMatch } from './types.js';

/** Whether a recorded request matches every field given in `match`. */
export function matchesRequest(request: RecordedRequest, match: RequestMatch): boolean {
  const { path, method, status } = match;
  if (typeof path === 'string' && request.path !== path) return false;
  if (path instanceof RegExp && !path.test(request.path)) return false;
  if (method !== undefined && request.method !== method.toUpperCase()) return false;
  if (status !== undefined && request.status !== status) return false;
  return true;
}

export function countRequests(requests: readonly RecordedRequest[], match: RequestMatch = {}, sinceMs = Number.NEGATIVE_INFINITY): number {
  return requests.filter((request) => request.at >= sinceMs && matchesRequest(request, match)).length;
}
