import { createServer as createHttpServer } from 'node:http';
import type { DevContext } from './context.js';
import { DatabaseConnections } from './database-connections.js';
import { defaultFaults } from './faults.js';
import { LeaseStore } from './leases.js';
import { ListAwareSocket } from './list-method.js';
import { DevListener } from './listener.js';
import { PolicyStore } from './policy-store.js';
import { countRequests } from './request-match.js';
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
  // Without a backend of its own, the server connects to the databases its database/config names.
  const databases = options.databaseBackend ? undefined : new DatabaseConnections();
  const ctx: DevContext = {
    now, rootToken, faults: defaultFaults(), tokens, leases, policies: new PolicyStore(),
    databaseBackend: options.databaseBackend ?? databases!,
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
  const host = options.host ?? '127.0.0.1';
  const listener = new DevListener(host, options.port ?? 8200, (socket) => http.emit('connection', new ListAwareSocket(socket)));
  await listener.listen();
  const sweep = setInterval(() => {
    tokens.sweep();
    leases.sweep();
  }, SWEEP_INTERVAL_MS);
  sweep.unref();

  const url = `http://${host.includes(':') ? `[${host}]` : host}:${listener.boundPort}`;
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
    leaseIds(prefix) {
      tokens.sweep();
      return leases.liveIds(prefix);
    },
    leasesIssued: (prefix) => leases.issuedCount(prefix),
    tokenCount: () => tokens.liveCount(),
    countRequests: (match, sinceMs) => countRequests(requests, match, sinceMs),
    refuseConnections: () => listener.refuse(),
    acceptConnections: () => listener.listen(),
    close() {
      closing ??= (async () => {
        clearInterval(sweep);
        stopping.abort();
        await listener.close();
        await databases?.close();
      })();
      return closing;
    },
  };
}
