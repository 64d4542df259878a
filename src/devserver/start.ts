import { createServer as createHttpServer } from 'node:http';
import { createServer as createNetServer, type Socket } from 'node:net';
import type { DevContext } from './context.js';
import { InMemoryDatabaseBackend } from './database-backend.js';
import { defaultFaults } from './faults.js';
import { LeaseStore } from './leases.js';
import { ListAwareSocket } from './list-method.js';
import { PolicyStore } from './policy-store.js';
import { createApp } from './server.js';
import { TokenStore } from './tokens.js';
import type { DevServer, DevServerOptions, RecordedRequest } from './types.js';

/** Expiry is also checked lazily on every access; the sweep only catches leases nobody touches. */
const SWEEP_INTERVAL_MS = 1000;

export async function startDevServer(options: DevServerOptions = {}): Promise<DevServer> {
  const now = options.now ?? Date.now;
  const rootToken = options.rootToken ?? 'root';
  const leases = new LeaseStore(now);
  const tokens = new TokenStore(now, (token) => leases.revokeByToken(token.id));
  tokens.addRoot(rootToken);
  const ctx: DevContext = {
    now, rootToken, faults: defaultFaults(), tokens, leases, policies: new PolicyStore(),
    databaseBackend: options.databaseBackend ?? new InMemoryDatabaseBackend(),
  };
  const requests: RecordedRequest[] = [];
  /** Expired tokens take their leases with them, so settle tokens before counting leases. */
  const liveLeases = (prefix?: string) => {
    tokens.sweep();
    return leases.liveCount(prefix);
  };
  const stopping = new AbortController();
  const actions = {
    revokeToken: (token: string) => tokens.revoke(token),
    revokeLease: (leaseId: string) => leases.revoke(leaseId),
    stats: () => ({ leases: liveLeases(), leasesIssued: leases.issuedCount(), tokens: tokens.liveCount() }),
  };
  const app = createApp(ctx, requests, actions, stopping.signal);

  const http = createHttpServer(app);
  const sockets = new Set<Socket>();
  const listener = createNetServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    http.emit('connection', new ListAwareSocket(socket));
  });
  await new Promise<void>((resolve, reject) => {
    listener.once('error', reject);
    listener.listen(options.port ?? 8200, options.host ?? '127.0.0.1', () => {
      listener.off('error', reject);
      resolve();
    });
  });
  const sweep = setInterval(() => {
    tokens.sweep();
    leases.sweep();
  }, SWEEP_INTERVAL_MS);
  sweep.unref();

  const address = listener.address();
  const port = typeof address === 'object' && address ? address.port : options.port ?? 8200;
  const host = options.host ?? '127.0.0.1';
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  let closing: Promise<void> | undefined;

  return {
    url,
    rootToken,
    faults: ctx.faults,
    requests,
    revokeToken: actions.revokeToken,
    revokeTokenByAccessor(accessor) {
      const token = tokens.byAccessor(accessor);
      if (token) tokens.revoke(token.id);
      return Boolean(token);
    },
    revokeLease: actions.revokeLease,
    leaseCount: liveLeases,
    leasesIssued: (prefix) => leases.issuedCount(prefix),
    tokenCount: () => tokens.liveCount(),
    close() {
      closing ??= new Promise<void>((resolve) => {
        clearInterval(sweep);
        stopping.abort();
        listener.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
      return closing;
    },
  };
}
