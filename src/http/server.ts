import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AbortedError, VaultletError } from '../errors.js';

export interface HttpServer {
  /** e.g. http://127.0.0.1:9102 — with the real port when 0 was asked for. */
  readonly url: string;
  /** Stops listening and ends keep-alive sockets; safe to call more than once. */
  close(): Promise<void>;
}

/** In-flight scrapes get this long to finish before their sockets are cut. */
const CLOSE_GRACE_MS = 2000;

/**
 * Listens on host:port and resolves once accepting; closes itself when `signal` aborts. `app` may
 * still be loading: the port is taken (and a clash reported) at once, and requests wait for it.
 */
export async function startHttpServer(
  app: RequestListener | Promise<RequestListener>,
  host: string,
  port: number,
  signal?: AbortSignal,
): Promise<HttpServer> {
  if (signal?.aborted) throw new AbortedError(`HTTP server on ${hostPort(host, port)} not started: shutting down`);
  const loaded = Promise.resolve(app);
  // A rejected app is answered per request (below); it must not also be an unhandled rejection.
  loaded.catch(() => {});
  const server = createServer((request, response) => {
    loaded.then(
      (handle) => handle(request, response),
      () => {
        response.statusCode = 500;
        response.end();
      },
    );
  });
  await listen(server, host, port);

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= closeServer(server).finally(() => signal?.removeEventListener('abort', onAbort));
    return closing;
  };
  const onAbort = (): void => void close();
  signal?.addEventListener('abort', onAbort, { once: true });
  // The signal may have fired while we were binding; addEventListener would not replay it.
  if (signal?.aborted) void close();

  const { port: actualPort } = server.address() as AddressInfo;
  return Object.freeze({ url: `http://${hostPort(host, actualPort)}`, close });
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      server.off('listening', onListening);
      reject(new VaultletError(`cannot listen on ${hostPort(host, port)}: ${describe(error)}`, { cause: error }));
    };
    const onListening = (): void => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen({ host, port });
  });
}

/** What closeServer needs: http and https servers both have it. */
export type ClosableServer = Pick<Server, 'close' | 'closeAllConnections' | 'closeIdleConnections'>;

/** Closes a server: idle keep-alive sockets at once, in-flight requests after a short grace. */
export function closeServer(server: ClosableServer): Promise<void> {
  return new Promise((resolve) => {
    const cutOff = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS);
    cutOff.unref();
    server.close(() => {
      clearTimeout(cutOff);
      resolve();
    });
    // Idle keep-alive sockets would otherwise hold close() open until they time out.
    server.closeIdleConnections();
  });
}

function describe(error: NodeJS.ErrnoException): string {
  switch (error.code) {
    case 'EADDRINUSE':
      return 'address already in use (is another vaultlet or exporter running on this port?)';
    case 'EACCES':
      return 'permission denied (ports below 1024 need privileges)';
    case 'EADDRNOTAVAIL':
      return 'address not available on this host';
    default:
      return error.message;
  }
}

function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
