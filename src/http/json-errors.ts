import { STATUS_CODES } from 'node:http';
import type { ErrorRequestHandler, RequestHandler } from 'express';

/** Unknown paths answer in JSON like everything else, so probes and humans get the same shape. */
export const notFound: RequestHandler = (_req, res) => {
  res.status(404).json({ status: 'not found' });
};

/**
 * Last-resort handler: keeps the status of client errors express raises itself (e.g. a malformed
 * URL is 400) and turns everything else into a bare 500. The error is never echoed: messages and
 * stacks can carry paths or internals a scraper has no business seeing.
 */
export const jsonErrors: ErrorRequestHandler = (error: unknown, _req, res, next) => {
  if (res.headersSent) {
    next(error);
    return;
  }
  const status = clientErrorStatus(error) ?? 500;
  res.status(status).json({ status: 'error', error: STATUS_CODES[status] ?? 'Error' });
};

function clientErrorStatus(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === 'number' && status >= 400 && status < 500 ? status : undefined;
}
