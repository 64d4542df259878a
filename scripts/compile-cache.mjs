// Builds Node's compile cache for the bundle (dist/bundle/compile-cache), which the launcher
// (dist/bundle/cli.js, see scripts/bundle.mjs) turns on: V8 then reads each module's bytecode for
// its top-level code instead of parsing the minified source again at every start.
//
//   node scripts/compile-cache.mjs [<node binary> <node flags>...]
//
// Node keys the cache by its version, the V8 flags and the user id (a directory
// v24.22.3-x64-<flags hash>-<uid>), so it must be built by the very binary, flags and user that
// will run the agent: the Dockerfile runs this as the image's user with the ENTRYPOINT's flags
// (test/image/dockerfile.test.ts holds them equal); without arguments, as in `npm run build`,
// it uses the image's Node and flags as the tests and benchmarks run them.
import { spawnSync } from 'node:child_process';
import { chmodSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const bundle = fileURLToPath(new URL('../dist/bundle/', import.meta.url));
const cache = join(bundle, 'compile-cache');
const ENTRIES = new Set(['cli.js', 'vaultlet.js']);

async function imageNode() {
  const { imageNode } = await import('../dist/test/support/image-runtime.js');
  const image = imageNode([]);
  return { command: image.command, flags: image.args, env: image.env };
}

const [command, ...flags] = process.argv.slice(2);
const node = command ? { command, flags, env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } } : await imageNode();
rmSync(cache, { recursive: true, force: true });

const run = (args, env = {}) => {
  const result = spawnSync(node.command, [...node.flags, ...args], { cwd: bundle, env: { ...node.env, ...env, ...(process.env.DEBUG_CC ? { NODE_DEBUG_NATIVE: 'COMPILE_CACHE' } : {}) }, encoding: 'utf8' });
  if (process.env.DEBUG_CC) console.error(result.stderr);
  if (result.status !== 0) throw new Error(`compile cache: ${node.command} ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
};
// The start path, through the launcher as a pod runs it...
run(['cli.js', 'version']);
// ...and every chunk loaded later (the HTTP app, templates, the read endpoint…): importing a
// chunk only defines its modules.
const chunks = readdirSync(bundle).filter((name) => name.endsWith('.js') && !ENTRIES.has(name));
run(['--input-type=module', '-e', chunks.map((name) => `await import('./${name}');`).join('\n')], { NODE_COMPILE_CACHE: cache, NODE_COMPILE_CACHE_PORTABLE: '1' });

// Read by any user (the image copies it owned by root); written only here.
const walk = (path) => {
  chmodSync(path, statSync(path).isDirectory() ? 0o755 : 0o644);
  if (statSync(path).isDirectory()) for (const name of readdirSync(path)) walk(join(path, name));
};
walk(cache);
