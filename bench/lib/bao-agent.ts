import { spawn, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { openbaoBinary } from '../../test/support/openbao-binary.js';
import type { BenchVault } from './bench-vault.js';

/**
 * The peer: OpenBao's agent (`bao agent`, the same program as Vault Agent), logging in with the
 * same kubernetes auth role and service-account token as vaultlet and rendering the same secrets
 * to the same files with its templates (consul-template inside).
 */
export interface PeerSecrets {
  /** KV v2 secrets secret/bench/s0 … : one JSON file each, s<i>.json. */
  readonly kv: number;
  /** Database leases database/creds/bench-db-<i> (one role each, so no two share a lease): db<i>.json. */
  readonly db: number;
  /** How often a KV secret is read again (vaultlet refresh_interval, bao static_secret_render_interval). */
  readonly kvInterval: string;
  /** Index of the first KV secret and database role, so two agents can run side by side on disjoint secrets. */
  readonly first?: number;
}

const indexes = (count: number, first = 0) => Array.from({ length: count }, (_, i) => first + i);

export const peerFiles = (secrets: PeerSecrets): string[] => [
  ...indexes(secrets.kv, secrets.first).map((i) => `s${i}.json`),
  ...indexes(secrets.db, secrets.first).map((i) => `db${i}.json`),
];

/** The Vault paths (and lease-id prefixes) that belong to these secrets, to count requests by. */
export function peerPaths(secrets: PeerSecrets): { kv: string[]; db: string[] } {
  return {
    kv: indexes(secrets.kv, secrets.first).map((i) => `secret/data/bench/s${i}`),
    db: indexes(secrets.db, secrets.first).map((i) => `database/creds/bench-db-${i}`),
  };
}

export const peerRoles = (db: number, ttl: string, maxTtl: string) => Array.from({ length: db }, (_, i) => ({ name: `bench-db-${i}`, ttl, maxTtl }));

/** vaultlet's `secrets:` for the same files. */
export function vaultletSecrets(secrets: PeerSecrets): Array<Record<string, unknown>> {
  return [
    ...indexes(secrets.kv, secrets.first).map((i) => ({ name: `s${i}`, kind: 'kv2', mount: 'secret', path: `bench/s${i}`, file: `s${i}.json`, refresh_interval: secrets.kvInterval })),
    ...indexes(secrets.db, secrets.first).map((i) => ({ name: `db${i}`, kind: 'leased', path: `database/creds/bench-db-${i}`, file: `db${i}.json` })),
  ];
}

const hcl = (value: string) => JSON.stringify(value);

/** Writes a `bao agent` config (HCL) for `secrets` into `directory` and returns its path. */
export async function writeBaoConfig(vault: BenchVault, directory: string, secrets: PeerSecrets, name: string): Promise<string> {
  const template = (secretPath: string, data: string, file: string) => `template {
  contents    = ${hcl(`{{ with secret ${hcl(secretPath)} }}{{ ${data} | toJSON }}{{ end }}`)}
  destination = ${hcl(join(directory, file))}
  perms       = "0400"
}`;
  const path = join(vault.base, `${name}.hcl`);
  await writeFile(path, [
    `vault {\n  address = ${hcl(vault.server.url)}\n}`,
    `auto_auth {\n  method "kubernetes" {\n    mount_path = "auth/kubernetes"\n    config = {\n      role       = "demo"\n      token_path = ${hcl(vault.tokenPath)}\n    }\n  }\n}`,
    `template_config {\n  static_secret_render_interval = ${hcl(secrets.kvInterval)}\n}`,
    ...indexes(secrets.kv, secrets.first).map((i) => template(`secret/data/bench/s${i}`, '.Data.data', `s${i}.json`)),
    ...indexes(secrets.db, secrets.first).map((i) => template(`database/creds/bench-db-${i}`, '.Data', `db${i}.json`)),
  ].join('\n\n'));
  return path;
}

/** A running `bao agent -config <path>`, in an environment holding PATH only. */
export class BaoAgent {
  readonly startedAt = performance.now();
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;

  constructor(configPath: string) {
    this.child = spawn(openbaoBinary(), ['agent', '-config', configPath, '-log-level', 'warn'], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin' }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    this.child.stderr!.on('data', (chunk: Buffer) => void (stderr = `${stderr}${chunk.toString()}`.slice(-4000)));
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => {
      if (code) process.stderr.write(`bao agent exited ${code}:\n${stderr}\n`);
      resolve(code);
    }));
  }

  get pid(): number {
    return this.child.pid!;
  }

  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    await this.exited;
  }
}
