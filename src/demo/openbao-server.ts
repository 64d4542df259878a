import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../util/free-port.js';

/** A real `bao server -dev` (in-memory storage, unsealed) on a free loopback port. */
export interface OpenBaoServer {
  readonly url: string;
  readonly rootToken: string;
  /** The server's own log, last 20 KB, for a failing test's output. */
  log(): string;
  /** SIGTERM, SIGKILL after 5 s; removes its home directory. Safe to call twice. */
  close(): Promise<void>;
}

const READY_TIMEOUT_MS = 20_000;
const LOG_LIMIT = 20_000;

/**
 * Starts OpenBao in dev mode with a root token of its own and waits until `sys/health` answers
 * 200. The dev listener also opens a cluster port (listen port + 1); when another process took
 * either port in between, the start is retried on other ports.
 */
export async function startOpenBao(options: { binary: string; logLevel?: string }): Promise<OpenBaoServer> {
  const { binary } = options;
  let lastError: Error | undefined;
  for (let attempt = 0; attempt < 4; attempt++) {
    const port = await freePortPair();
    try {
      return await startOn(binary, port, options.logLevel ?? 'warn');
    } catch (error) {
      lastError = error as Error;
      if (!/address already in use/.test(lastError.message)) throw lastError;
    }
  }
  throw lastError!;
}

async function startOn(binary: string, port: number, logLevel: string): Promise<OpenBaoServer> {
  const rootToken = `root-${randomBytes(12).toString('hex')}`;
  // Its own HOME: the CLI's token helper and any dotfile stay out of the user's.
  const home = await mkdtemp(join(tmpdir(), 'vaultlet-bao-'));
  const child = spawn(binary, [
    'server', '-dev', `-dev-listen-address=127.0.0.1:${port}`, `-dev-root-token-id=${rootToken}`, '-dev-no-store-token',
    `-log-level=${logLevel}`,
  ], { env: { PATH: process.env.PATH ?? '', HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const collect = (chunk: Buffer) => void (log = (log + chunk.toString()).slice(-LOG_LIMIT));
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  // A test run (mocha --exit) or the demo may end without closing it; never leave a server behind.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const url = `http://127.0.0.1:${port}`;
  let closing: Promise<void> | undefined;
  const close = () => (closing ??= (async () => {
    process.off('exit', killOnExit);
    await stop(child);
    await rm(home, { recursive: true, force: true });
  })());
  try {
    await waitHealthy(url, child, () => log);
  } catch (error) {
    await close();
    throw error;
  }
  return { url, rootToken, log: () => log, close };
}

async function waitHealthy(url: string, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`bao server -dev exited (${child.exitCode ?? child.signalCode}):\n${log()}`);
    const status = await fetch(`${url}/v1/sys/health`).then((response) => response.status, () => 0);
    if (status === 200) return;
    if (Date.now() > deadline) throw new Error(`bao server -dev was not healthy within ${READY_TIMEOUT_MS / 1000} s (last status ${status}):\n${log()}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** A free port whose successor (the dev server's cluster port) was free a moment ago too. */
async function freePortPair(): Promise<number> {
  for (;;) {
    const port = await freePort();
    if (port < 65535 && (await isFree(port + 1))) return port;
  }
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}
