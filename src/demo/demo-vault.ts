import { startDevServer } from '../devserver/index.js';
import type { PostgresCluster } from '../devserver/postgres-cluster.js';
import { openbaoBinaryOrOnPath } from './openbao-binary.js';
import { startOpenBao } from './openbao-server.js';
import { createServiceAccountIssuer, DEMO_ISSUER, type ServiceAccountIssuer } from './service-account.js';
import { startTokenReviewer } from './token-review.js';
import { setupDemoVault } from './vault-setup.js';

export type DemoVaultKind = 'dev' | 'bao';

/** The Vault the demo runs against, set up like a platform team would, with its issuer. */
export interface DemoVault {
  readonly url: string;
  readonly rootToken: string;
  /** e.g. "dev server" or "OpenBao v2.7.2 (/path/to/bao)", for the printed `vault:` line. */
  readonly description: string;
  readonly issuer: ServiceAccountIssuer;
  close(): Promise<void>;
}

/**
 * The bundled dev server, or a real `bao server -dev` (OpenBao as scripts/install-test-deps.sh
 * installs it, or one on PATH). Either way kubernetes auth asks a TokenReview endpoint standing
 * in for the cluster's API server about every login, and the database engine creates real users
 * when there is a PostgreSQL (OpenBao has no other kind).
 */
export async function startDemoVault(kind: DemoVaultKind, options: { cluster?: PostgresCluster; port?: number }): Promise<DemoVault> {
  const { cluster } = options;
  if (kind === 'bao' && !cluster) {
    throw new Error("OpenBao's database engine needs a real PostgreSQL (apt-get install postgresql); the dev server keeps users in memory without one");
  }
  const issuer = await createServiceAccountIssuer();
  const reviewer = await startTokenReviewer({ publicKeyPem: issuer.publicKeyPem });
  const closing: Array<() => Promise<void>> = [() => reviewer.close()];
  const close = async () => {
    for (const step of closing.reverse()) await step();
  };
  try {
    let server: { url: string; rootToken: string; close(): Promise<void> };
    let description = 'dev server';
    if (kind === 'bao') {
      const binary = openbaoBinaryOrOnPath();
      server = await startOpenBao({ binary });
      const version = await fetch(`${server.url}/v1/sys/health`).then((r) => r.json() as Promise<{ version?: string }>);
      description = `OpenBao v${version.version ?? '?'} (${binary})`;
    } else {
      server = await startDevServer({ port: options.port ?? 0 });
    }
    closing.push(() => server.close());
    await setupDemoVault({
      address: server.url, rootToken: server.rootToken, publicKeyPem: issuer.publicKeyPem, pki: { ttl: '3m' },
      kubernetes: {
        host: reviewer.url, caPem: reviewer.caPem,
        reviewerJwt: await issuer.sign({ namespace: 'vault', name: 'vault', audience: DEMO_ISSUER, ttlSeconds: 7 * 24 * 3600 }),
      },
      ...(cluster ? { postgres: { host: cluster.host, port: cluster.port, username: cluster.superuser, password: cluster.superuserPassword } } : {}),
    });
    return { url: server.url, rootToken: server.rootToken, description, issuer, close };
  } catch (error) {
    await close();
    throw error;
  }
}
