import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { chown, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import pg from 'pg';
import { freePort } from '../util/free-port.js';

/**
 * A throwaway PostgreSQL cluster: initdb into a temp directory, `postgres` on a free loopback
 * port, gone again on close(). For the demo and the tests, so nothing depends on (or disturbs)
 * a system-wide cluster. Host logins need a real password (scram-sha-256), so a credential that
 * works here really is the one Vault issued.
 */
export interface PostgresCluster {
  readonly host: '127.0.0.1';
  readonly port: number;
  /** e.g. "15.14". */
  readonly version: string;
  /** The superuser the dev server's database/config connects as. */
  readonly superuser: string;
  readonly superuserPassword: string;
  /** Stops the server (fast shutdown) and removes its files. Safe to call twice. */
  close(): Promise<void>;
}

const READY_TIMEOUT_MS = 20_000;

/** The directory holding initdb and postgres: Debian's /usr/lib/postgresql/<major>/bin, else PATH. */
export function findPostgresBinaries(): string | undefined {
  const debian = '/usr/lib/postgresql';
  if (existsSync(debian)) {
    const majors = readdirSync(debian).filter((name) => /^\d+$/.test(name)).sort((a, b) => Number(b) - Number(a));
    for (const major of majors) {
      const bin = join(debian, major, 'bin');
      if (existsSync(join(bin, 'initdb')) && existsSync(join(bin, 'postgres'))) return bin;
    }
  }
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'postgres'))) return dir;
  }
  return undefined;
}

export async function startPostgresCluster(binDir = findPostgresBinaries()): Promise<PostgresCluster> {
  if (!binDir) throw new Error('PostgreSQL is not installed (no initdb/postgres found in /usr/lib/postgresql/*/bin or on PATH)');
  // PostgreSQL refuses to run as root; as root (CI containers) run it as Debian's postgres user.
  const owner = process.getuid?.() === 0 ? systemUser('postgres') : undefined;
  const base = await mkdtemp(join(tmpdir(), 'vaultlet-pg-'));
  let server: ChildProcess | undefined;
  try {
    if (owner) await chown(base, owner.uid, owner.gid);
    const superuserPassword = randomBytes(18).toString('base64url');
    const passwordFile = join(base, 'superuser-password');
    await writeFile(passwordFile, `${superuserPassword}\n`, { mode: 0o600 });
    if (owner) await chown(passwordFile, owner.uid, owner.gid);
    const data = join(base, 'data');
    const asOwner: SpawnOptions = { cwd: base, env: { PATH: process.env.PATH ?? '', LC_ALL: 'C' }, ...(owner ?? {}) };
    await run(join(binDir, 'initdb'), [
      '-D', data, '-U', 'postgres', `--pwfile=${passwordFile}`, '--auth-local=trust', '--auth-host=scram-sha-256',
      '-E', 'UTF8', '--no-locale', '--no-sync',
    ], asOwner);
    await rm(passwordFile, { force: true });
    const port = await freePort();
    server = spawn(join(binDir, 'postgres'), [
      '-D', data, '-h', '127.0.0.1', '-p', String(port), '-c', 'unix_socket_directories=',
      // Throwaway data: durability would only slow the tests down.
      '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off',
    ], { ...asOwner, stdio: ['ignore', 'ignore', 'pipe'] });
    const version = await waitReady(server, { port, password: superuserPassword });
    const child = server;
    let closing: Promise<void> | undefined;
    return {
      host: '127.0.0.1', port, version, superuser: 'postgres', superuserPassword,
      close: () => (closing ??= stop(child).then(() => rm(base, { recursive: true, force: true }))),
    };
  } catch (error) {
    if (server) await stop(server);
    await rm(base, { recursive: true, force: true });
    throw error;
  }
}

function systemUser(name: string): { uid: number; gid: number } {
  const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((entry) => entry.startsWith(`${name}:`));
  const [, , uid, gid] = line?.split(':') ?? [];
  if (uid === undefined || gid === undefined) {
    throw new Error(`PostgreSQL will not run as root and there is no "${name}" user to run it as (Debian's postgresql package creates one)`);
  }
  return { uid: Number(uid), gid: Number(gid) };
}

function run(command: string, args: string[], options: SpawnOptions): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => void (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => void (output += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${command} exited with ${code}: ${output.trim().slice(-2000)}`))));
  });
}


/** Polls until the superuser can log in over TCP; returns the server version. */
async function waitReady(server: ChildProcess, login: { port: number; password: string }): Promise<string> {
  let log = '';
  server.stderr?.on('data', (chunk: Buffer) => void (log = (log + chunk.toString()).slice(-4000)));
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (server.exitCode !== null) throw new Error(`postgres exited with ${server.exitCode}: ${log.trim()}`);
    const client = new pg.Client({ host: '127.0.0.1', port: login.port, user: 'postgres', password: login.password, database: 'postgres' });
    try {
      await client.connect();
      const result = await client.query<{ version: string }>("SELECT current_setting('server_version') AS version");
      return result.rows[0]!.version.split(' ')[0]!;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`postgres did not accept logins within ${READY_TIMEOUT_MS / 1000} s: ${(error as Error).message}\n${log.trim()}`);
    } finally {
      await client.end().catch(() => undefined);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** SIGINT is PostgreSQL's fast shutdown: sessions are ended, nothing is waited for. */
async function stop(server: ChildProcess): Promise<void> {
  if (server.exitCode !== null || server.signalCode !== null) return;
  const exited = new Promise((resolve) => server.once('exit', resolve));
  server.kill('SIGINT');
  const timer = setTimeout(() => server.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}
