import { Duplex } from 'node:stream';
import type { Socket } from 'node:net';

/**
 * Vault clients send the non-standard LIST method (node-vault does by default), which Node's HTTP
 * parser refuses. Each connection's bytes pass through this rewriter, which turns a `LIST` request
 * line into `GET` plus a marker header, tracking message framing so bodies are never touched.
 */
export const LIST_MARKER_HEADER = 'x-vaultlet-dev-list';

type State = 'head' | 'body' | 'chunk-size' | 'chunk-data' | 'trailer' | 'raw';
const MAX_HEAD = 64 * 1024;
const EMPTY = Buffer.alloc(0);

export class ListRequestRewriter {
  private state: State = 'head';
  private pending: Buffer = EMPTY;
  private remaining = 0;

  push(chunk: Buffer): Buffer {
    if (this.state === 'raw') return chunk;
    const data = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    this.pending = EMPTY;
    const out: Buffer[] = [];
    let i = 0;
    while (i < data.length) {
      if (this.state === 'raw') {
        out.push(data.subarray(i));
        break;
      }
      if (this.state === 'body' || this.state === 'chunk-data') {
        const n = Math.min(this.remaining, data.length - i);
        out.push(data.subarray(i, i + n));
        i += n;
        this.remaining -= n;
        if (this.remaining === 0) this.state = this.state === 'body' ? 'head' : 'chunk-size';
        continue;
      }
      const terminator = this.state === 'head' ? '\r\n\r\n' : '\r\n';
      const end = data.indexOf(terminator, i);
      if (end < 0) {
        this.pending = data.subarray(i);
        // Let the HTTP parser reject whatever this is.
        if (this.pending.length > MAX_HEAD) this.giveUp(out);
        break;
      }
      const piece = data.subarray(i, end + terminator.length);
      i = end + terminator.length;
      if (this.state === 'head') out.push(this.head(piece));
      else if (this.state === 'chunk-size') {
        out.push(piece);
        const size = parseInt(piece.toString('latin1').split(';')[0]!.trim(), 16);
        if (Number.isNaN(size)) this.state = 'raw';
        else if (size === 0) this.state = 'trailer';
        else {
          this.remaining = size + 2;
          this.state = 'chunk-data';
        }
      } else {
        out.push(piece);
        if (piece.length === 2) this.state = 'head';
      }
    }
    return out.length === 1 ? out[0]! : Buffer.concat(out);
  }

  private giveUp(out: Buffer[]): void {
    out.push(this.pending);
    this.pending = EMPTY;
    this.state = 'raw';
  }

  private head(head: Buffer): Buffer {
    let text = head.toString('latin1');
    if (text.startsWith('LIST ')) {
      const eol = text.indexOf('\r\n');
      text = `GET ${text.slice(5, eol)}\r\n${LIST_MARKER_HEADER}: 1${text.slice(eol)}`;
      head = Buffer.from(text, 'latin1');
    }
    const headers = text.toLowerCase();
    if (headers.startsWith('connect ') || headers.includes('\r\nupgrade:')) {
      this.state = 'raw';
    } else if (/\r\ntransfer-encoding:[^\r]*chunked/.test(headers)) {
      this.state = 'chunk-size';
    } else {
      const length = /\r\ncontent-length:\s*(\d+)/.exec(headers);
      this.remaining = length ? Number(length[1]) : 0;
      this.state = this.remaining > 0 ? 'body' : 'head';
    }
    return head;
  }
}

/** A socket stand-in that the HTTP server reads rewritten bytes from; writes go straight through. */
export class ListAwareSocket extends Duplex {
  private readonly rewriter = new ListRequestRewriter();

  constructor(private readonly socket: Socket) {
    super();
    socket.on('data', (chunk: Buffer) => {
      const out = this.rewriter.push(chunk);
      if (out.length > 0 && !this.push(out)) socket.pause();
    });
    socket.on('end', () => this.push(null));
    socket.on('error', (error) => this.destroy(error));
    socket.on('close', () => this.destroy());
    socket.on('timeout', () => this.emit('timeout'));
  }

  get remoteAddress(): string | undefined {
    return this.socket.remoteAddress;
  }
  get remotePort(): number | undefined {
    return this.socket.remotePort;
  }
  get remoteFamily(): string | undefined {
    return this.socket.remoteFamily;
  }
  get localAddress(): string | undefined {
    return this.socket.localAddress;
  }
  get localPort(): number | undefined {
    return this.socket.localPort;
  }

  setTimeout(ms: number, callback?: () => void): this {
    this.socket.setTimeout(ms);
    if (callback) this.once('timeout', callback);
    return this;
  }
  setNoDelay(noDelay?: boolean): this {
    this.socket.setNoDelay(noDelay);
    return this;
  }
  setKeepAlive(enable?: boolean, delay?: number): this {
    this.socket.setKeepAlive(enable, delay);
    return this;
  }

  override _read(): void {
    this.socket.resume();
  }
  override _write(chunk: Buffer, encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.socket.write(chunk, encoding, callback);
  }
  override _final(callback: (error?: Error | null) => void): void {
    this.socket.end(callback);
  }
  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.socket.destroy();
    callback(error);
  }
}
