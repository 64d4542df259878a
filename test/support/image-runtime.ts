import { readFileSync } from 'node:fs';
import { repoPath } from './repo-root.js';

/**
 * How the image runs the agent, read from the Dockerfile so tests and benchmarks run the same
 * bundle with the same Node flags and environment as a pod does, and cannot drift from it.
 */
export interface ImageRuntime {
  /** The bundled CLI in this checkout (scripts/bundle.mjs), standing in for /app/dist/bundle/cli.js. */
  readonly cli: string;
  /** Node/V8 flags between the node binary and the script in ENTRYPOINT. */
  readonly nodeFlags: readonly string[];
  /** The runtime stage's ENV settings. */
  readonly env: Readonly<Record<string, string>>;
}

const IMAGE_CLI = '/app/dist/bundle/cli.js';

export function parseDockerfile(text: string): Omit<ImageRuntime, 'cli'> {
  const runtimeStage = text.slice(text.lastIndexOf('\nFROM '));
  const entrypoint = /^ENTRYPOINT\s+(\[.*\])\s*$/m.exec(runtimeStage);
  if (!entrypoint) throw new Error('Dockerfile: the runtime stage has no ENTRYPOINT in exec (JSON) form');
  const argv = JSON.parse(entrypoint[1]!) as string[];
  if (argv.at(-1) !== IMAGE_CLI) throw new Error(`Dockerfile: ENTRYPOINT should end with ${IMAGE_CLI}, found ${argv.at(-1)}`);
  const env: Record<string, string> = {};
  for (const [, name, value] of runtimeStage.matchAll(/^ENV\s+([A-Z_][A-Z0-9_]*)=("[^"]*"|\S+)\s*$/gm)) {
    env[name!] = value!.replace(/^"(.*)"$/, '$1');
  }
  return { nodeFlags: argv.slice(1, -1), env };
}

export function imageRuntime(): ImageRuntime {
  return { cli: repoPath('dist', 'bundle', 'cli.js'), ...parseDockerfile(readFileSync(repoPath('Dockerfile'), 'utf8')) };
}

/** argv for process.execPath that runs `vaultlet <args>` as the image does. */
export function imageCommand(args: readonly string[]): string[] {
  const { nodeFlags, cli } = imageRuntime();
  return [...nodeFlags, cli, ...args];
}
