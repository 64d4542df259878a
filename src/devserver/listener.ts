import { createServer, type Server, type Socket } from 'node:net';

/**
 * The dev server's TCP listener, which tests can take down and bring back on the same address:
 * while down, clients get ECONNREFUSED exactly as from a Vault whose process has stopped.
 */
export class DevListener {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private port: number;
  private listening = false;
  private closed = false;
  /** Serialises refuse/accept/close so overlapping calls cannot race the bind. */
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly host: string,
    port: number,
    onConnection: (socket: Socket) => void,
  ) {
    this.port = port;
    this.server = createServer((socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      onConnection(socket);
    });
  }

  /** The bound port (the real one once listening, even when 0 was asked for). */
  get boundPort(): number {
    return this.port;
  }

  listen(): Promise<void> {
    return this.serialise(async () => {
      if (this.listening || this.closed) return;
      await new Promise<void>((resolve, reject) => {
        this.server.once('error', reject);
        this.server.listen(this.port, this.host, () => {
          this.server.off('error', reject);
          resolve();
        });
      });
      const address = this.server.address();
      if (typeof address === 'object' && address) this.port = address.port;
      this.listening = true;
    });
  }

  /** Stops listening and drops every open connection. */
  refuse(): Promise<void> {
    return this.serialise(() => this.stop());
  }

  close(): Promise<void> {
    return this.serialise(async () => {
      this.closed = true;
      await this.stop();
    });
  }

  private async stop(): Promise<void> {
    if (!this.listening) return;
    this.listening = false;
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      for (const socket of this.sockets) socket.destroy();
    });
  }

  private serialise(operation: () => Promise<void>): Promise<void> {
    const result = this.queue.then(operation);
    this.queue = result.catch(() => {});
    return result;
  }
}
