import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { startDevServer } from './start.js';
import type { DevServerOptions } from './types.js';

export interface SeedRequest {
  method: string;
  path: string;
  body?: unknown;
}

/** `vaultlet dev-server [--port N] [--host H] [--root-token T] [--seed file.json|yaml]` */
export function parseDevServerArgs(argv: readonly string[]): DevServerOptions & { seed?: string } {
  const out: DevServerOptions & { seed?: string } = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [flag, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`dev-server: ${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--port': {
        const port = Number(value());
        if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error('dev-server: --port must be 0..65535');
        out.port = port;
        break;
      }
      case '--host':
        out.host = value();
        break;
      case '--root-token':
        out.rootToken = value();
        break;
      case '--seed':
        out.seed = value();
        break;
      default:
        throw new Error(`dev-server: unknown argument ${JSON.stringify(arg)}`);
    }
  }
  return out;
}

export async function loadSeed(file: string): Promise<SeedRequest[]> {
  const text = await readFile(file, 'utf8');
  const parsed: unknown = /\.ya?ml$/i.test(file) ? parseYaml(text) : JSON.parse(text);
  if (!Array.isArray(parsed)) throw new Error(`dev-server: seed file ${file} must hold a list of {method, path, body}`);
  return parsed.map((entry, index) => {
    const item = entry as Partial<SeedRequest>;
    if (typeof item?.method !== 'string' || typeof item.path !== 'string') {
      throw new Error(`dev-server: seed file ${file} entry ${index} needs "method" and "path"`);
    }
    return { method: item.method.toUpperCase(), path: item.path, body: item.body };
  });
}

/** Sends each seed request with the root token, exactly as a Vault setup script would. */
export async function applySeed(url: string, rootToken: string, seed: readonly SeedRequest[]): Promise<void> {
  for (const [index, step] of seed.entries()) {
    const path = step.path.replace(/^\/+/, '').replace(/^v1\//, '');
    const response = await fetch(`${url}/v1/${path}`, {
      method: step.method,
      headers: { 'X-Vault-Token': rootToken, 'Content-Type': 'application/json' },
      ...(step.body !== undefined ? { body: JSON.stringify(step.body) } : {}),
    });
    if (response.status >= 400) {
      const text = await response.text();
      throw new Error(`dev-server: seed step ${index} (${step.method} ${path}) failed with HTTP ${response.status}: ${text}`);
    }
    await response.arrayBuffer().catch(() => undefined);
  }
}

export async function runDevServerCommand(argv: string[], signal: AbortSignal): Promise<void> {
  const { seed, ...options } = parseDevServerArgs(argv);
  const steps = seed ? await loadSeed(seed) : [];
  const server = await startDevServer(options);
  try {
    await applySeed(server.url, server.rootToken, steps);
    process.stdout.write(`dev server listening on ${server.url}\n`);
    if (!signal.aborted) await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
  } finally {
    await server.close();
  }
}
