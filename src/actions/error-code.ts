/**
 * A stable, value-free name for a failure (ENOENT, ECONNREFUSED, …) for log lines. Messages are
 * left out on purpose: Node's can quote a URL with its query, or a path with arguments.
 */
export function errorCode(error: unknown): string {
  const code = (error as { code?: unknown } | null | undefined)?.code;
  if (typeof code === 'string') return code;
  return error instanceof Error ? error.name : 'unknown';
}
