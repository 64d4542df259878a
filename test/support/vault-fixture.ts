import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { startDevServer, type DevServer } from '../../src/devserver/index.js';
import { createServiceAccountIssuer, type ServiceAccountIssuer } from '../../src/demo/service-account.js';
import { setupDemoVault, type DemoVaultOptions } from '../../src/demo/vault-setup.js';
import { recordForConformance } from './conformance-log.js';

/** A dev server set up like the demo, a temp directory, and a signed service account token. */
export interface VaultFixture {
  readonly server: DevServer;
  readonly issuer: ServiceAccountIssuer;
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

export async function startVaultFixture(options: Partial<DemoVaultOptions> = {}): Promise<VaultFixture> {
  const base = await mkdtemp(join(tmpdir(), 'vaultlet-test-'));
  const secretsDir = join(base, 'secrets');
  await mkdir(secretsDir);
  const server = await startDevServer({ port: 0 });
  const issuer = await createServiceAccountIssuer();
  await setupDemoVault({ address: server.url, rootToken: server.rootToken, publicKeyPem: issuer.publicKeyPem, ...options });
  const stateFile = join(base, 'state', 'state.json');
  const tokenPath = join(base, 'sa-token');
  await writeFile(tokenPath, await issuer.sign({ namespace: 'default', name: 'demo-app' }));
  let configs = 0;
  return {
    server,
    issuer,
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
        vault: { address: server.url, retry_cap: '2s', request_timeout: '5s' },
        auth: { method: 'kubernetes', role: 'demo', token_path: tokenPath },
        output: { directory: secretsDir },
        secrets,
        listen: { host: '127.0.0.1', port: 0 },
        state: { file: stateFile },
        log: { level: 'debug' },
        ...extra,
      };
    },
    async close() {
      recordForConformance(server.requests);
      await server.close();
      await rm(base, { recursive: true, force: true });
    },
  };
}
