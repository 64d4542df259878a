import { spawn, type ChildProcess } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { imageNode, imageProcess } from '../../test/support/image-runtime.js';

/**
 * A real `vaultlet run` child process, run as the image runs it: the bundle, with the
 * Dockerfile's Node flags and environment. Readiness is detected from its own log lines (event
 * driven, so timing is not rounded to a polling interval) and confirmed with GET /readyz.
 */
export class BenchAgent {
  readonly startedAt = performance.now();
  readonly child: ChildProcess;
  url: string | undefined;
  readonly messages = new Map<string, number>();
  private buffered = '';
  private readonly listeners = new Set<() => void>();
  readonly exited: Promise<number | null>;

  constructor(configPath: string) {
    const agent = imageProcess(['run', '--config', configPath]);
    this.child = spawn(agent.command, agent.args, {
      env: agent.env,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    this.child.stdout!.setEncoding('utf8');
    this.child.stdout!.on('data', (chunk: string) => this.onData(chunk));
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
  }

  get pid(): number {
    return this.child.pid!;
  }

  count(msg: string): number {
    return this.messages.get(msg) ?? 0;
  }

  private onData(chunk: string): void {
    this.buffered += chunk;
    for (let newline = this.buffered.indexOf('\n'); newline >= 0; newline = this.buffered.indexOf('\n')) {
      const line = this.buffered.slice(0, newline);
      this.buffered = this.buffered.slice(newline + 1);
      try {
        const entry = JSON.parse(line) as { msg?: string; url?: string };
        if (entry.msg) this.messages.set(entry.msg, this.count(entry.msg) + 1);
        if (!this.url && typeof entry.url === 'string') this.url = entry.url;
      } catch {
        // not a log line
      }
    }
    for (const listener of [...this.listeners]) listener();
  }

  /** Resolves when `check` holds after some output (or now), rejects on exit or timeout. */
  until(what: string, check: () => boolean, timeoutMs = 60_000): Promise<void> {
    if (check()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const done = (error?: Error) => {
        this.listeners.delete(listener);
        clearTimeout(timer);
        if (error) reject(error);
        else resolve();
      };
      const listener = () => {
        if (check()) done();
      };
      const timer = setTimeout(() => done(new Error(`agent: timed out waiting for ${what}`)), timeoutMs);
      this.listeners.add(listener);
      void this.exited.then((code) => done(new Error(`agent exited (${code}) while waiting for ${what}`)));
    });
  }

  /** Ms from spawn until `secrets` files are written and /readyz answers 200. */
  async readyAfter(secrets: number, writtenMessage = 'secret written', timeoutMs = 120_000): Promise<number> {
    await this.until(`${secrets} x "${writtenMessage}"`, () => this.url !== undefined && this.count(writtenMessage) >= secrets, timeoutMs);
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const response = await fetch(`${this.url}/readyz`);
      await response.arrayBuffer();
      if (response.status === 200) return performance.now() - this.startedAt;
      if (performance.now() > deadline) throw new Error('agent: /readyz never answered 200');
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  }

  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    await this.exited;
  }
}

/**
 * Ms from spawn to exit of `node <args>`: the floor any Node program starts from. It runs
 * exactly as the agent does (imageNode): the image's Node binary and flags, the agent's
 * environment and nothing of the harness's (NODE_EXTRA_CA_CERTS alone, set on these machines,
 * makes Node 20 read a 220 KB certificate bundle at start and triples this figure).
 */
export async function nodeRunTime(args: readonly string[]): Promise<number> {
  const node = imageNode(args);
  const startedAt = performance.now();
  const child = spawn(node.command, node.args, { env: node.env, stdio: 'ignore' });
  await new Promise((resolve) => child.once('exit', resolve));
  return performance.now() - startedAt;
}

/** Ms from spawn to exit 0 of `vaultlet once --config <path>`, run as the image runs it. */
export async function onceRunTime(configPath: string): Promise<number> {
  const once = imageProcess(['once', '--config', configPath]);
  const startedAt = performance.now();
  const child = spawn(once.command, once.args, { env: once.env, stdio: 'ignore' });
  const code = await new Promise((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`vaultlet once exited ${code}`);
  return performance.now() - startedAt;
}

/** An idle Node process (an event loop with one far-off timer), the floor for memory and CPU; run as the agent is. */
export function idleNode(): ChildProcess {
  const node = imageNode(['-e', 'setInterval(() => {}, 1e9)']);
  return spawn(node.command, node.args, { env: node.env, stdio: 'ignore' });
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
