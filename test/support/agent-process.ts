import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { imageProcess, imageRuntime } from './image-runtime.js';

export interface LogLine {
  readonly level?: string;
  readonly msg?: string;
  readonly [key: string]: unknown;
}

/** The real `vaultlet` binary in a child process, with its JSON log lines collected. */
export class AgentProcess {
  readonly lines: LogLine[] = [];
  readonly rawStdout: string[] = [];
  stderr = '';
  metricsUrl: string | undefined;
  private readonly exited: Promise<number | null>;
  private buffered = '';

  private constructor(readonly child: ChildProcessWithoutNullStreams) {
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => this.onStdout(chunk));
    child.stderr.on('data', (chunk: string) => {
      this.stderr += chunk;
    });
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  /** The bundled CLI on the image's Node, with its flags and environment (the Dockerfile's). */
  static start(args: string[], env: NodeJS.ProcessEnv = {}): AgentProcess {
    const agent = imageProcess(args);
    return AgentProcess.spawn(agent.command, agent.args, env);
  }

  /** Any command that ends up exec-ing the CLI, e.g. through `sh -c 'ulimit -f 1; exec …'`. */
  static spawn(command: string, args: string[], env: NodeJS.ProcessEnv = {}): AgentProcess {
    const child = spawn(command, args, { env: { PATH: process.env.PATH, ...imageRuntime().env, ...env }, stdio: 'pipe' });
    return new AgentProcess(child);
  }

  private onStdout(chunk: string): void {
    this.buffered += chunk;
    for (let newline = this.buffered.indexOf('\n'); newline >= 0; newline = this.buffered.indexOf('\n')) {
      const line = this.buffered.slice(0, newline);
      this.buffered = this.buffered.slice(newline + 1);
      this.rawStdout.push(line);
      try {
        const entry = JSON.parse(line) as LogLine;
        this.lines.push(entry);
        if (!this.metricsUrl && typeof entry.url === 'string') this.metricsUrl = entry.url;
      } catch {
        this.lines.push({ msg: line });
      }
    }
  }

  get exitCode(): number | null {
    return this.child.exitCode;
  }

  wait(): Promise<number | null> {
    return this.exited;
  }

  async waitFor<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 15_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await check();
      if (value) return value;
      if (this.child.exitCode !== null) throw new Error(`agent exited (${this.child.exitCode}) while waiting for ${what}\n${this.describe()}`);
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${this.describe()}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  waitForLog(msg: string | RegExp, timeoutMs?: number): Promise<LogLine> {
    const matches = (line: LogLine) => (typeof msg === 'string' ? line.msg === msg : msg.test(line.msg ?? ''));
    return this.waitFor(`log "${msg}"`, () => this.lines.find(matches), timeoutMs);
  }

  async waitReady(timeoutMs?: number): Promise<string> {
    return this.waitFor('readiness', async () => {
      if (!this.metricsUrl) return undefined;
      const response = await fetch(`${this.metricsUrl}/readyz`).catch(() => undefined);
      return response?.status === 200 ? this.metricsUrl : undefined;
    }, timeoutMs);
  }

  async metrics(): Promise<string> {
    const response = await fetch(`${this.metricsUrl}/metrics`);
    return response.text();
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 15_000): Promise<number | null> {
    if (this.child.exitCode !== null) return this.child.exitCode;
    this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  describe(): string {
    return `--- stdout (last 30 lines)\n${this.rawStdout.slice(-30).join('\n')}\n--- stderr\n${this.stderr.slice(-3000)}`;
  }
}

/** Reads one sample's value from Prometheus text, e.g. sample(text, 'vaultlet_logins_total', {result: 'success'}). */
export function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const ok = Object.entries(labels).every(([key, value]) => line.includes(`${key}="${value}"`));
    if (ok) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}
