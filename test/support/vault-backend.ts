import { startDevServer } from '../../src/devserver/index.js';
import type { RequestMatch } from '../../src/devserver/index.js';
import { recordForConformance } from './conformance-log.js';
import { startFaultProxy, type FaultProxy, type ProxiedRequest, type ProxyFaults } from './fault-proxy.js';
import { startOpenBao } from '../../src/demo/openbao-server.js';
import { openbaoBinary } from './openbao-binary.js';
import { startTestPostgres, type PostgresCluster } from './postgres.js';
import { vaultApi, type VaultApi } from './vault-api.js';

export type BackendKind = 'devserver' | 'openbao';

export const BACKEND_LABELS: Readonly<Record<BackendKind, string>> = { devserver: 'dev server', openbao: 'OpenBao' };

/**
 * A Vault server for one test, behind a fault proxy, the same for the bundled dev server and a
 * real OpenBao: the agent talks to `url` (the proxy: faults, request log); the test's own set-up
 * goes to the server directly through `api`. Counting leases and tokens, and revoking them, goes
 * through Vault's API, so it means the same on both.
 */
export interface VaultBackend {
  readonly kind: BackendKind;
  readonly label: string;
  /** The fault proxy: what the agent is configured with. */
  readonly url: string;
  /** The server itself (never faulted, not in `requests`). */
  readonly directUrl: string;
  readonly rootToken: string;
  /** Root-token API client to the server itself. */
  readonly api: VaultApi;
  /** Switched on and off by the test; see ProxyFaults. */
  readonly faults: ProxyFaults;
  /** Every request that came through the proxy. */
  readonly requests: readonly ProxiedRequest[];
  countRequests(match?: RequestMatch, sinceMs?: number): number;
  /** Every token the agent sent or was handed through the proxy (not the root token). */
  tokensSeen(): string[];
  /** Distinct leases handed out through the proxy whose id starts with `prefix`. */
  leasesIssued(prefix?: string): number;
  /** Live secret leases (token leases under auth/ excluded) below `prefix`, oldest first. */
  leaseIds(prefix?: string): Promise<string[]>;
  leaseCount(prefix?: string): Promise<number>;
  /** Live tokens other than root tokens and response-wrapping tokens. */
  tokenCount(): Promise<number>;
  /** auth/token/revoke-accessor; false when the accessor is unknown. */
  revokeTokenByAccessor(accessor: string): Promise<boolean>;
  /** sys/leases/revoke. */
  revokeLease(leaseId: string): Promise<void>;
  /** A Vault that is down: the proxy refuses connections until acceptConnections(). */
  refuseConnections(): Promise<void>;
  acceptConnections(): Promise<void>;
  /** The server's own log (OpenBao) for a failing test's output; empty for the dev server. */
  log(): string;
  close(): Promise<void>;
}

export async function startBackend(kind: BackendKind): Promise<VaultBackend> {
  if (kind === 'devserver') {
    const server = await startDevServer({ port: 0 });
    return behindProxy(kind, server.url, server.rootToken, () => '', async () => {
      recordForConformance(server.requests);
      await server.close();
    });
  }
  const server = await startOpenBao({ binary: openbaoBinary() });
  return behindProxy(kind, server.url, server.rootToken, () => server.log(), () => server.close());
}

async function behindProxy(kind: BackendKind, directUrl: string, rootToken: string, log: () => string, closeServer: () => Promise<void>): Promise<VaultBackend> {
  const proxy: FaultProxy = await startFaultProxy(directUrl, rootToken);
  const api = vaultApi(directUrl, rootToken);

  const list = async (path: string): Promise<string[]> => {
    const { status, body } = await api.send('LIST', path);
    if (status === 404) return [];
    if (status !== 200) throw new Error(`LIST ${path}: ${status} ${JSON.stringify(body)}`);
    return (body.data?.['keys'] as string[] | undefined) ?? [];
  };
  const leaseIdsBelow = async (prefix: string): Promise<string[]> => {
    const ids: string[] = [];
    for (const key of await list(`sys/leases/lookup/${prefix}`)) {
      if (!key.endsWith('/')) ids.push(`${prefix}${key}`);
      else if (`${prefix}${key}` !== 'auth/') ids.push(...(await leaseIdsBelow(`${prefix}${key}`)));
    }
    return ids;
  };
  const issueTime = async (leaseId: string): Promise<string> => {
    const { body } = await api.send('PUT', 'sys/leases/lookup', { body: { lease_id: leaseId } });
    return String(body.data?.['issue_time'] ?? '');
  };
  const leaseIds = async (prefix = ''): Promise<string[]> => {
    const dir = prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
    const ids = await leaseIdsBelow(dir);
    const times = new Map(await Promise.all(ids.map(async (id) => [id, await issueTime(id)] as const)));
    return ids.sort((a, b) => Date.parse(times.get(a)!) - Date.parse(times.get(b)!));
  };

  let closing: Promise<void> | undefined;
  return {
    kind,
    label: BACKEND_LABELS[kind],
    url: proxy.url,
    directUrl,
    rootToken,
    api,
    faults: proxy.faults,
    requests: proxy.requests,
    countRequests: (match, sinceMs) => proxy.countRequests(match, sinceMs),
    tokensSeen: () => proxy.tokensSeen(),
    leasesIssued: (prefix = '') => new Set(proxy.requests.filter((r) => r.leaseId?.startsWith(prefix)).map((r) => r.leaseId)).size,
    leaseIds,
    leaseCount: async (prefix) => (await leaseIds(prefix)).length,
    async tokenCount() {
      let count = 0;
      for (const accessor of await list('auth/token/accessors')) {
        const { status, body } = await api.send('POST', 'auth/token/lookup-accessor', { body: { accessor } });
        const policies = (body.data?.['policies'] as string[] | undefined) ?? [];
        if (status === 200 && !policies.includes('root') && !policies.includes('response-wrapping')) count++;
      }
      return count;
    },
    async revokeTokenByAccessor(accessor) {
      const { status } = await api.send('POST', 'auth/token/lookup-accessor', { body: { accessor } });
      if (status !== 200) return false;
      await api.write('auth/token/revoke-accessor', { accessor });
      return true;
    },
    async revokeLease(leaseId) {
      const { status, body } = await api.send('PUT', 'sys/leases/revoke', { body: { lease_id: leaseId } });
      if (status !== 204 && status !== 200) throw new Error(`revoking ${leaseId}: ${status} ${JSON.stringify(body)}`);
    },
    refuseConnections: () => proxy.refuseConnections(),
    acceptConnections: () => proxy.acceptConnections(),
    log,
    close: () => (closing ??= (async () => {
      await proxy.close();
      await closeServer();
    })()),
  };
}

/** One parameterised run of a suite: the backend, and a PostgreSQL shared by its tests. */
export interface BackendChoice {
  readonly kind: BackendKind;
  readonly label: string;
  /** A throwaway PostgreSQL cluster for this describe block, started on first use. */
  postgres(): Promise<PostgresCluster>;
}

/** The backends to run: VAULTLET_BACKENDS=devserver or =openbao narrows a local run; both by default. */
export function selectedBackends(): BackendKind[] {
  const wanted = (process.env.VAULTLET_BACKENDS ?? 'devserver,openbao').split(',').map((name) => name.trim());
  const unknown = wanted.filter((name) => !(name in BACKEND_LABELS));
  if (unknown.length) throw new Error(`VAULTLET_BACKENDS: unknown backend ${unknown.join(', ')} (devserver, openbao)`);
  return wanted as BackendKind[];
}

/**
 * Runs `suite` once per backend, as `describe("<title> [dev server]")` and
 * `describe("<title> [OpenBao]")`. Inside, pass `backend` to startVaultFixture({ backend });
 * use `vault.backend` (the proxy's faults, request log, lease and token counts) rather than a
 * dev-server-only switch, and the scenario is proven against a real server too. A suite that
 * truly needs the dev server itself passes `only: ['devserver']` and says why.
 */
export function forEachBackend(title: string, suite: (this: Mocha.Suite, backend: BackendChoice) => void, only?: readonly BackendKind[]): void {
  for (const kind of selectedBackends()) {
    if (only && !only.includes(kind)) continue;
    describe(`${title} [${BACKEND_LABELS[kind]}]`, function () {
      let cluster: Promise<PostgresCluster> | undefined;
      const choice: BackendChoice = { kind, label: BACKEND_LABELS[kind], postgres: () => (cluster ??= startTestPostgres()) };
      suite.call(this, choice);
      // Registered last, so it runs after the suite's own after hooks.
      after(async () => {
        const started = cluster;
        cluster = undefined;
        await (await started?.catch(() => undefined))?.close();
      });
    });
  }
}
