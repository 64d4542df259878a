import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import nodeVault from 'node-vault';
import { findPostgresBinaries, startPostgresCluster, type PostgresCluster } from '../devserver/postgres-cluster.js';
import { demoConfigYaml } from './agent-config.js';
import { startDemoVault, type DemoVaultKind } from './demo-vault.js';

/**
 * `npm run demo`: the dev server (or, with `-- --vault bao`, a real OpenBao) and a real agent
 * process with short TTLs (30 s leases capped at 2 min), so renewals and rotations show within a
 * minute. Prints `secrets:` and `metrics:` once the agent is ready; Ctrl-C stops everything and
 * exits 0. With PostgreSQL installed, the database credentials are real users of a throwaway
 * cluster (OpenBao needs one).
 */
async function main(): Promise<void> {
  const kind = vaultKind(process.argv.slice(2));
  const database = await startDemoDatabase();
  try {
    await runDemo(kind, database);
  } catch (error) {
    await database.cluster?.close();
    throw error;
  }
}

const USAGE = 'usage: npm run demo [-- --vault dev|bao]   (dev: the bundled dev server, the default; bao: OpenBao)';

function vaultKind(args: string[]): DemoVaultKind {
  let kind: string = 'dev';
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--vault' && i + 1 < args.length) kind = args[++i]!;
    else if (arg.startsWith('--vault=')) kind = arg.slice('--vault='.length);
    else usage(`unknown argument "${arg}"`);
  }
  if (kind !== 'dev' && kind !== 'bao') usage(`--vault must be dev or bao (got "${kind}")`);
  return kind as DemoVaultKind;
}

function usage(problem: string): never {
  process.stderr.write(`demo: ${problem}\n${USAGE}\n`);
  process.exit(2);
}

/** A throwaway PostgreSQL when the machine has one; otherwise the dev server's in-memory users. */
async function startDemoDatabase(): Promise<{ cluster?: PostgresCluster; line: string }> {
  if (!findPostgresBinaries()) return { line: 'database: in-memory engine (PostgreSQL is not installed, so the credentials are not real logins)' };
  try {
    const cluster = await startPostgresCluster();
    return { cluster, line: `database: PostgreSQL ${cluster.version} at ${cluster.host}:${cluster.port} (credentials really log in)` };
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    return { line: `database: in-memory engine (PostgreSQL is installed but did not start: ${reason})` };
  }
}

async function runDemo(kind: DemoVaultKind, database: { cluster?: PostgresCluster; line: string }): Promise<void> {
  const { cluster } = database;
  // /dev/shm is tmpfs, like the pod's emptyDir with medium: Memory.
  const base = await mkdtemp(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'vaultlet-demo-'));
  const secretsDir = join(base, 'secrets');
  await mkdir(secretsDir, { mode: 0o755 });

  const server = await startDemoVault(kind, { ...(cluster ? { cluster } : {}), port: Number(process.env.DEMO_VAULT_PORT ?? 0) });
  const { issuer } = server;
  const tokenPath = join(base, 'serviceaccount-token');
  await writeFile(tokenPath, await issuer.sign({ namespace: 'default', name: 'demo-app' }), { mode: 0o600 });
  const configPath = join(base, 'vaultlet.yaml');
  await writeFile(configPath, demoConfigYaml({ vaultAddress: server.url, tokenPath, directory: secretsDir, stateFile: join(base, 'state', 'state.json'), port: Number(process.env.DEMO_METRICS_PORT ?? 0) }));

  // The bundle the image ships (dist/src/demo → dist/bundle), built by `npm run build`.
  const cli = fileURLToPath(new URL('../../bundle/cli.js', import.meta.url));
  const agent = spawn(process.execPath, [cli, 'run', '--config', configPath], { stdio: ['ignore', 'pipe', 'inherit'] });
  let metricsUrl: string | undefined;
  agent.stdout.setEncoding('utf8');
  let buffered = '';
  agent.stdout.on('data', (chunk: string) => {
    buffered += chunk;
    for (let newline = buffered.indexOf('\n'); newline >= 0; newline = buffered.indexOf('\n')) {
      const line = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      process.stdout.write(`[agent] ${line}\n`);
      try {
        const entry = JSON.parse(line) as { url?: string };
        if (!metricsUrl && entry.url) metricsUrl = entry.url;
      } catch {
        // not a log line
      }
    }
  });

  // Change the KV secret now and then, so a new version is seen being written.
  const root = nodeVault({ endpoint: server.url, token: server.rootToken });
  let version = 1;
  const kvTimer = setInterval(() => {
    version++;
    root.write('secret/data/demo/config', { data: { api_url: 'https://api.example.internal', feature_flags: 'search,beta-ui', api_key: `demo-kv-secret-${version}` } }).catch(() => {});
  }, 45_000);

  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    clearInterval(kvTimer);
    if (agent.exitCode === null) {
      agent.kill('SIGTERM');
      await new Promise((resolve) => agent.once('exit', resolve));
    }
    await server.close();
    await cluster?.close();
    await rm(base, { recursive: true, force: true });
    process.stdout.write(`demo stopped; removed ${base}\n`);
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));
  agent.on('exit', (code) => {
    if (!stopping) {
      process.stderr.write(`agent exited unexpectedly with code ${code}\n`);
      void stop(1);
    }
  });

  const deadline = Date.now() + 30_000;
  for (;;) {
    if (metricsUrl) {
      const ready = await fetch(`${metricsUrl}/readyz`).then((r) => r.ok, () => false);
      if (ready) break;
    }
    if (Date.now() > deadline) {
      process.stderr.write('the agent did not become ready within 30 s\n');
      return stop(1);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  process.stdout.write(`vault: ${server.url} (${server.description}, root token "${server.rootToken}")\n`);
  process.stdout.write(`secrets: ${secretsDir}\n`);
  process.stdout.write(`${database.line}\n`);
  if (cluster) {
    const env = `CREDENTIALS_FILE=${join(secretsDir, 'db.json')} PGHOST=${cluster.host} PGPORT=${cluster.port} PGDATABASE=postgres`;
    process.stdout.write(`try: ${env} node examples/pg-app/app.js\n`);
  }
  process.stdout.write(`metrics: ${metricsUrl}/metrics\n`);
  process.stdout.write('leases last 30 s (max 2 min): watch the files change; Ctrl-C stops and revokes\n');
}

main().catch((error: unknown) => {
  process.stderr.write(`demo failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
