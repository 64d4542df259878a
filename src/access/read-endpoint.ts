import express, { type ErrorRequestHandler, type RequestHandler, type Response } from 'express';
import { AbortedError, ConfigError } from '../errors.js';
import { startHttpServer, type HttpServer } from '../http/server.js';
import { describeError, type Logger } from '../log.js';
import { ifNoneMatchMatches, toEtag } from './etag.js';
import { foreignRequestReason, isLoopbackAddress } from './loopback.js';
import { ReadCounter, type FileReads } from './read-counter.js';

export type { FileReads } from './read-counter.js';

/** One file as the endpoint serves it: the bytes last written to disk. */
export interface ServedFile {
  readonly bytes: Buffer;
  /** Changes with every write (see createContentVersioner); sent as the ETag, so visible ASCII without '"'. */
  readonly version: string;
  /** Epoch ms the bytes were written; sent as Last-Modified. */
  readonly writtenAt: number;
}

/** Answers about a configured file; the file name is one from the config, so labels stay bounded. */
export type FileReadResult = 'ok' | 'not_modified' | 'not_ready';
/** Answers that name no configured file: the request's own path or name is never a label. */
export type RefusedReason = 'not_found' | 'method_not_allowed' | 'forbidden';

export interface ReadEndpointMetrics {
  fileRead(file: string, result: FileReadResult): void;
  requestRefused(reason: RefusedReason): void;
}

export interface ReadEndpointOptions {
  /** A literal loopback address: 127.0.0.1 (or any 127.0.0.0/8) or ::1. */
  readonly host: string;
  /** 0 picks a free port (tests). */
  readonly port: number;
  /** Asked at every request: the file, undefined when not configured, 'not_ready' before its first write. */
  readonly files: (file: string) => ServedFile | undefined | 'not_ready';
  readonly metrics: ReadEndpointMetrics;
  readonly logger: Logger;
  /** Epoch ms for lastReadAt; Date.now by default. */
  readonly now?: () => number;
  /** Aborting closes the endpoint. */
  readonly signal?: AbortSignal;
}

const FILE_ROUTE = '/v1/files/:file';

/**
 * Serves the secret files over HTTP on the loopback and counts every read exactly, for apps that
 * can fetch instead of reading the shared volume (atime only shows the first read of a version).
 * There is no authentication: anything that can reach the port can read every file, which is
 * why it only ever listens on the loopback and answers only loopback Host headers.
 */
export class ReadEndpoint {
  private readonly counter = new ReadCounter();
  private readonly now: () => number;
  private server?: HttpServer;
  private started = false;
  private closed = false;
  private foreignLogged = false;

  constructor(private readonly options: ReadEndpointOptions) {
    this.now = options.now ?? Date.now;
  }

  async start(): Promise<{ port: number; url: string }> {
    if (this.started) throw new Error('ReadEndpoint.start() called twice');
    this.started = true;
    const { host, port, signal } = this.options;
    if (!isLoopbackAddress(host)) {
      throw new ConfigError(
        `read endpoint host "${host}" is not a loopback address: the endpoint has no authentication and serves ` +
          'secret values, so it only listens on 127.0.0.1 or ::1',
      );
    }
    if (this.closed) throw new AbortedError('read endpoint not started: already closed');
    const server = await startHttpServer(this.app(), host, port, signal);
    this.server = server;
    if (this.closed) {
      // close() ran while we were binding and found nothing to close.
      await server.close();
      throw new AbortedError('read endpoint closed while starting');
    }
    this.options.logger.info({ url: server.url }, 'read endpoint listening');
    return { port: Number(new URL(server.url).port), url: server.url };
  }

  /** Exact reads of `file` since start, or undefined before its first full read. */
  reads(file: string): FileReads | undefined {
    return this.counter.get(file);
  }

  /** For a file removed from the config, so its counts do not linger. */
  forget(file: string): void {
    this.counter.forget(file);
  }

  /** Stops listening; in-flight reads get a short grace. Safe to call twice, and before start. */
  async close(): Promise<void> {
    this.closed = true;
    await this.server?.close();
  }

  private app(): express.Express {
    const app = express();
    app.disable('x-powered-by');
    app.disable('etag'); // ours is the file version, and 304s are decided here, not by express
    app.use(this.refuseForeign);
    app.all(FILE_ROUTE, this.onlyGet);
    app.get(FILE_ROUTE, this.serve);
    app.use(this.notFound);
    app.use(this.failed);
    return app;
  }

  private readonly refuseForeign: RequestHandler = (req, res, next) => {
    res.set('Cache-Control', 'no-store');
    const reason = foreignRequestReason(req.headers);
    if (reason === undefined) {
      next();
      return;
    }
    this.options.metrics.requestRefused('forbidden');
    // Warn once: a page in a browser could repeat this as often as it likes.
    const level = this.foreignLogged ? 'debug' : 'warn';
    this.foreignLogged = true;
    this.options.logger[level]({ reason }, 'read endpoint refused a request that did not come from the pod');
    answer(res, 403, 'forbidden', reason);
  };

  // HEAD would be a read without bytes; an app checks for changes with If-None-Match instead.
  private readonly onlyGet: RequestHandler = (req, res, next) => {
    if (req.method === 'GET') {
      next();
      return;
    }
    this.options.metrics.requestRefused('method_not_allowed');
    res.set('Allow', 'GET');
    answer(res, 405, 'method not allowed');
  };

  private readonly serve: RequestHandler<{ file: string }> = (req, res) => {
    const file = req.params.file;
    const found = this.options.files(file);
    if (found === undefined) {
      this.options.metrics.requestRefused('not_found');
      answer(res, 404, 'not found');
      return;
    }
    if (found === 'not_ready') {
      this.options.metrics.fileRead(file, 'not_ready');
      res.set('Retry-After', '1');
      answer(res, 503, 'not ready', 'the file has not been written yet');
      return;
    }
    const etag = toEtag(found.version);
    res.set({ ETag: etag, 'Last-Modified': new Date(found.writtenAt).toUTCString() });
    if (ifNoneMatchMatches(req.get('If-None-Match'), etag)) {
      this.options.metrics.fileRead(file, 'not_modified');
      res.status(304).end();
      return;
    }
    // Counted as sent: a client dropping a few hundred bytes mid-answer is not worth a second count.
    this.counter.record(file, this.now(), found.version);
    this.options.metrics.fileRead(file, 'ok');
    res.status(200).set({
      'Content-Type': 'application/octet-stream',
      'Content-Length': String(found.bytes.length),
      'X-Content-Type-Options': 'nosniff',
    });
    res.end(found.bytes);
  };

  private readonly notFound: RequestHandler = (_req, res) => {
    this.options.metrics.requestRefused('not_found');
    answer(res, 404, 'not found');
  };

  /** Never echoes the error: the provider's errors are for the log, and never carry bytes. */
  private readonly failed: ErrorRequestHandler = (error: unknown, req, res, next) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    const status = (error as { status?: unknown } | null)?.status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      answer(res, status, 'bad request'); // e.g. a malformed percent-encoding in the path
      return;
    }
    this.options.logger.error({ path: req.path, error: describeError(error) }, 'read endpoint failed to answer');
    answer(res, 500, 'error');
  };
}

function answer(res: Response, status: number, summary: string, reason?: string): void {
  res.status(status).json(reason === undefined ? { status: summary } : { status: summary, reason });
}
