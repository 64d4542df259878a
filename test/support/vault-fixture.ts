import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { createServiceAccountIssuer, DEMO_ISSUER, type ServiceAccountIssuer } from '../../src/demo/service-account.js';
import { startTokenReviewer, type TokenReviewer } from '../../src/demo/token-review.js';
import { setupDemoVault, type DemoVaultOptions } from '../../src/demo/vault-setup.js';
import type { PostgresCluster } from './postgres.js';
import { startBackend, type BackendChoice, type VaultBackend } from './vault-backend.js';

/**
 * A Vault (the dev server, or OpenBao with `backend`) set up like the demo behind a fault proxy,
 * a Kubernetes TokenReview endpoint it checks logins with, a temp directory, and a signed
 * service account token.
 */
export interface VaultFixture {
  readonly backend: VaultBackend;
  readonly issuer: ServiceAccountIssuer;
  /** What Vault's kubernetes auth asks about each login. */
  readonly tokenReviewer: TokenReviewer;
  /** The PostgreSQL the database engine creates users in; absent: the dev server's in-memory users. */
  readonly postgres: PostgresCluster | undefined;
  readonly base: string;
  readonly secretsDir: string;
  /** The agent's state file, outside the output directory (as the injector and deploy/ put it). */
  readonly stateFile: string;
  readonly tokenPath: string;
  writeConfig(document: Record<string, unknown>): Promise<string>;
  /** A config document for the demo role with the given secrets. */
  config(secrets: Array<Record<string, unknown>>, extra?: Record<string, unknown>): Record<string, unknown>;
  close(): Promise<void>;
}

export interface VaultFixtureOptions extends Partial<Omit<DemoVaultOptions, 'address' | 'rootToken' | 'publicKeyPem' | 'kubernetes' | 'postgres'>> {
  /** From forEachBackend; without it, the dev server with in-memory database users. */
  readonly backend?: BackendChoice;
}

export async function startVaultFixture(options: VaultFixtureOptions = {}): Promise<VaultFixture> {
  const { backend: choice, ...setup } = options;
  const base = await mkdtemp(join(tmpdir(), 'vaultlet-test-'));
  const secretsDir = join(base, 'secrets');
  await mkdir(secretsDir);
  const issuer = await createServiceAccountIssuer();
  const [backend, tokenReviewer, postgres] = await Promise.all([
    startBackend(choice?.kind ?? 'devserver'),
    startTokenReviewer({ publicKeyPem: issuer.publicKeyPem }),
    choice?.postgres(),
  ]);
  const close = async () => {
    await backend.close();
    await tokenReviewer.close();
    await rm(base, { recursive: true, force: true });
  };
  const stateFile = join(base, 'state', 'state.json');
  const tokenPath = join(base, 'sa-token');
  try {
    // Vault calls the TokenReview API as its own service account, as it does outside a cluster.
    const reviewerJwt = await issuer.sign({ namespace: 'vault', name: 'vault', audience: DEMO_ISSUER, ttlSeconds: 24 * 3600 });
    await setupDemoVault({
      address: backend.directUrl, rootToken: backend.rootToken, publicKeyPem: issuer.publicKeyPem,
      kubernetes: { host: tokenReviewer.url, caPem: tokenReviewer.caPem, reviewerJwt },
      ...(postgres ? { postgres: { host: postgres.host, port: postgres.port, username: postgres.superuser, password: postgres.superuserPassword } } : {}),
      ...setup,
    });
    await writeFile(tokenPath, await issuer.sign({ namespace: 'default', name: 'demo-app' }));
  } catch (error) {
    await close();
    throw error;
  }
  let configs = 0;
  return {
    backend,
    issuer,
    tokenReviewer,
    postgres,
    base,
    secretsDir,
    stateFile,
    tokenPath,
    async writeConfig(document) {
      const path = join(base, `config-${++configs}.yaml`);
      await writeFile(path, stringify(document));
      return path;
    },
    config(secrets, extra = {}) {
      return {
        vault: { address: backend.url, retry_cap: '2s', request_timeout: '5s' },
        auth: { method: 'kubernetes', role: 'demo', token_path: tokenPath },
        output: { directory: secretsDir },
        secrets,
        listen: { host: '127.0.0.1', port: 0 },
        state: { file: stateFile },
        log: { level: 'debug' },
        ...extra,
      };
    },
    close,
  };
}
