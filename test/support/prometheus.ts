import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { stringify } from 'yaml';
import { freePort } from '../../src/util/free-port.js';

/**
 * A Debian-packaged tool on PATH, or an error that says how to get it. Tests that need the real
 * Prometheus fail rather than skip: a silently skipped integration test proves nothing.
 */
export function requireTool(name: 'prometheus' | 'promtool'): string {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  throw new Error(`${name} not found on PATH: install Debian's "prometheus" package (apt-get install -y prometheus), as .ci/run does`);
}

export interface ToolResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function runPromtool(args: string[], options: { stdin?: string; cwd?: string } = {}): Promise<ToolResult> {
  const child = spawn(requireTool('promtool'), args, { cwd: options.cwd, stdio: 'pipe' });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  child.stdin.end(options.stdin ?? '');
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

export interface PromSample {
  readonly metric: Record<string, string>;
  readonly value: number;
}

export interface PrometheusServer {
  readonly url: string;
  /** Instant query through the HTTP API; rejects on a PromQL error. */
  query(expr: string): Promise<PromSample[]>;
  /** GET /api/v1/<path> and return `data`. */
  api<T>(path: string): Promise<T>;
  /** Polls until `check` returns something truthy. */
  waitFor<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs?: number): Promise<T>;
  describe(): string;
  close(): Promise<void>;
}

export interface PrometheusOptions {
  /** host:port of each target, scraped every second as job "vaultlet". */
  readonly targets: readonly string[];
  readonly ruleFiles?: readonly string[];
}

/** A real Prometheus server on a loopback port with throwaway storage. */
export async function startPrometheus(options: PrometheusOptions): Promise<PrometheusServer> {
  const binary = requireTool('prometheus');
  const dir = await mkdtemp(join(tmpdir(), 'vaultlet-prometheus-'));
  const config = join(dir, 'prometheus.yml');
  await writeFile(config, stringify({
    global: { scrape_interval: '1s', scrape_timeout: '1s', evaluation_interval: '1s' },
    rule_files: [...(options.ruleFiles ?? [])],
    scrape_configs: [{ job_name: 'vaultlet', static_configs: [{ targets: [...options.targets] }] }],
  }));
  const address = `127.0.0.1:${await freePort()}`;
  const child = spawn(binary, [`--config.file=${config}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=${address}`], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const append = (chunk: string) => (log = (log + chunk).slice(-6000));
  child.stdout!.setEncoding('utf8').on('data', append);
  child.stderr!.setEncoding('utf8').on('data', append);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://${address}`;

  let closing: Promise<void> | undefined;
  const server: PrometheusServer = {
    url,
    async api<T>(path: string): Promise<T> {
      const response = await fetch(`${url}/api/v1/${path}`);
      const body = (await response.json()) as { status: string; data: T; error?: string };
      if (body.status !== 'success') throw new Error(`Prometheus /api/v1/${path}: ${body.error ?? response.status}`);
      return body.data;
    },
    async query(expr) {
      const data = await server.api<{ result: Array<{ metric: Record<string, string>; value: [number, string] }> }>(`query?query=${encodeURIComponent(expr)}`);
      return data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
    },
    async waitFor(what, check, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const value = await check().catch(() => undefined);
        if (value) return value;
        if (child.exitCode !== null) throw new Error(`Prometheus exited (${child.exitCode}) while waiting for ${what}\n${server.describe()}`);
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${server.describe()}`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    },
    describe: () => `--- prometheus log (tail)\n${log}`,
    close() {
      closing ??= stop(child, exited).finally(() => rm(dir, { recursive: true, force: true }));
      return closing;
    },
  };
  try {
    await server.waitFor('Prometheus to be ready', async () => (await fetch(`${url}/-/ready`)).status === 200);
  } catch (error) {
    await server.close();
    throw error;
  }
  return server;
}

async function stop(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

