import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { createServiceAccountIssuer } from '../../src/demo/service-account.js';
import { DEMO_POLICY, setupDemoVault } from '../../src/demo/vault-setup.js';
import { startDevServer, type DevServer } from '../../src/devserver/index.js';

/** The demo's Vault set-up plus what the benchmarks read: many KV secrets and database roles. */
export interface BenchVaultOptions {
  readonly tokenTtl?: string;
  readonly tokenMaxTtl?: string;
  /** A periodic token: renewable forever, no max TTL. */
  readonly tokenPeriod?: string;
  /** KV v2 secrets written at secret/bench/s0 … s<n-1>. */
  readonly kvSecrets?: number;
  /** Database roles database/roles/<name>. */
  readonly roles?: ReadonlyArray<{ readonly name: string; readonly ttl: string; readonly maxTtl: string }>;
}

export interface BenchVault {
  readonly server: DevServer;
  readonly base: string;
  readonly tokenPath: string;
  /** A fresh, empty output directory. */
  newOutputDirectory(): Promise<string>;
  /** Writes an agent config (YAML) and returns its path. */
  writeConfig(options: { address?: string; directory: string; secrets: ReadonlyArray<Record<string, unknown>>; logLevel?: string; shutdown?: { revoke: boolean; grace_period: string } }): Promise<string>;
  close(): Promise<void>;
}

const BENCH_POLICY = `${DEMO_POLICY}
path "secret/data/bench/*" {
  capabilities = ["read"]
}
path "database/creds/bench-*" {
  capabilities = ["read"]
}
`;

export async function startBenchVault(options: BenchVaultOptions = {}): Promise<BenchVault> {
  const base = await mkdtemp(join(tmpdir(), 'vaultlet-bench-'));
  const server = await startDevServer({ port: 0 });
  const issuer = await createServiceAccountIssuer();
  const root = { 'X-Vault-Token': server.rootToken, 'content-type': 'application/json' };
  const write = async (path: string, body: unknown) => {
    const response = await fetch(`${server.url}/v1/${path}`, { method: 'POST', headers: root, body: JSON.stringify(body) });
    if (!response.ok) throw new Error(`bench set-up: ${path} answered ${response.status}: ${await response.text()}`);
  };
  await setupDemoVault({ address: server.url, rootToken: server.rootToken, publicKeyPem: issuer.publicKeyPem, tokenTtl: options.tokenTtl ?? '1h', tokenMaxTtl: options.tokenMaxTtl ?? '768h' });
  await write('sys/policies/acl/demo-app', { policy: BENCH_POLICY });
  if (options.tokenPeriod) await write('auth/kubernetes/role/demo', { token_period: options.tokenPeriod, token_max_ttl: 0, token_ttl: 0 });
  for (const role of options.roles ?? []) {
    await write(`database/roles/${role.name}`, { db_name: 'demo-postgres', creation_statements: ['CREATE ROLE "{{name}}";'], default_ttl: role.ttl, max_ttl: role.maxTtl });
  }
  const kv = options.kvSecrets ?? 0;
  for (let start = 0; start < kv; start += 50) {
    const batch = Array.from({ length: Math.min(50, kv - start) }, (_, i) => start + i);
    await Promise.all(batch.map((i) => write(`secret/data/bench/s${i}`, { data: { username: `user-${i}`, password: `bench-password-${i}`, url: `https://service-${i}.example.internal` } })));
  }
  const tokenPath = join(base, 'sa-token');
  await writeFile(tokenPath, await issuer.sign({ namespace: 'default', name: 'demo-app', ttlSeconds: 24 * 3600 }));
  let directories = 0;
  let configs = 0;
  return {
    server,
    base,
    tokenPath,
    async newOutputDirectory() {
      const directory = join(base, `out-${++directories}`);
      await mkdir(directory);
      return directory;
    },
    async writeConfig({ address, directory, secrets, logLevel, shutdown }) {
      const path = join(base, `config-${++configs}.yaml`);
      await writeFile(path, stringify({
        vault: { address: address ?? server.url, request_timeout: '10s', retry_cap: '5s' },
        auth: { method: 'kubernetes', mount: 'kubernetes', role: 'demo', token_path: tokenPath },
        output: { directory },
        secrets,
        listen: { host: '127.0.0.1', port: 0 },
        // Beside the output directory, never in it (the config refuses that).
        state: { file: `${directory}-state/state.json` },
        shutdown: shutdown ?? { revoke: false, grace_period: '1s' },
        log: { level: logLevel ?? 'info' },
      }));
      return path;
    },
    async close() {
      await server.close();
      await rm(base, { recursive: true, force: true });
    },
  };
}

/** `count` KV secrets with the given refresh interval, one file each. */
export function kvSecrets(count: number, refreshInterval: string): Array<Record<string, unknown>> {
  return Array.from({ length: count }, (_, i) => ({ name: `s${i}`, kind: 'kv2', mount: 'secret', path: `bench/s${i}`, file: `s${i}.json`, refresh_interval: refreshInterval }));
}
