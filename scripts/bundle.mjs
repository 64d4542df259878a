// Bundles the compiled CLI (dist/src/cli.js) into dist/bundle/: what the image runs, the tests
// spawn and the benchmarks measure. One minified file set instead of ~900 modules halves start
// time and saves ~15 MiB, because Node resolves, reads and compiles each module separately.
// The dev server and injector stay in their own chunks, loaded only by their commands.
import { build } from 'esbuild';
import { readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(import.meta.url);

/**
 * node-vault require()s axios's CommonJS build and the transport imports its ESM build; both are
 * the same code, so one copy is enough. axios's fetch adapter probes `new Request(...)` at load,
 * which loads Node's undici and compiles its WebAssembly parser (~6 MiB, ~20 ms) for an adapter
 * the agent never uses: the transport asks for the http adapter by name, so the fetch adapter is
 * replaced by one that reports itself unsupported. Reading the global FormData at load has the same
 * cost; without it axios still recognises a FormData by its toStringTag.
 */
const FORM_DATA_PROBE = "const FormDataCtor = typeof G.FormData !== 'undefined' ? G.FormData : undefined;";

const axiosOnce = {
  name: 'axios-once-without-fetch',
  setup(esbuild) {
    const axiosEsm = require.resolve('axios').replace(/dist[\\/]node[\\/]axios\.cjs$/, 'index.js');
    esbuild.onResolve({ filter: /^axios$/ }, () => ({ path: axiosEsm }));
    esbuild.onResolve({ filter: /^\.\/fetch\.js$/ }, (args) =>
      /axios[\\/]lib[\\/]adapters[\\/]adapters\.js$/.test(args.importer) ? { path: 'axios-fetch-adapter', namespace: 'vaultlet-stub' } : undefined,
    );
    esbuild.onLoad({ filter: /axios[\\/]lib[\\/]utils\.js$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      const patched = source.replace(FORM_DATA_PROBE, 'const FormDataCtor = undefined;');
      if (patched === source) throw new Error(`axios changed: ${args.path} no longer has the FormData probe this bundle removes`);
      return { contents: patched, loader: 'js' };
    });
    esbuild.onLoad({ filter: /.*/, namespace: 'vaultlet-stub' }, () => ({
      contents: 'export const getFetch = () => false; export default false;',
      loader: 'js',
    }));
  },
};

// Chunk names are content hashes: clear the old ones so the image copies only what is used.
/**
 * axios imports node:http2 at load for HTTP/2 requests the agent never makes (Vault is spoken to
 * over HTTP/1.1), and Node compiles http2 and its internals on that import: the largest single
 * cost in the agent's start. Here axios gets http2 on first use instead.
 */
const lazyHttp2 = {
  name: 'lazy-http2-for-axios',
  setup(esbuild) {
    esbuild.onResolve({ filter: /^(node:)?http2$/ }, (args) =>
      /[\\/]node_modules[\\/]axios[\\/]/.test(args.importer) ? { path: 'http2', namespace: 'vaultlet-lazy' } : undefined,
    );
    esbuild.onLoad({ filter: /.*/, namespace: 'vaultlet-lazy' }, () => ({
      contents: [
        "import { createRequire } from 'node:module';",
        'let http2;',
        "const load = () => (http2 ??= createRequire(import.meta.url)('node:http2'));",
        'export default new Proxy({}, { get: (_, key) => load()[key], has: (_, key) => key in load() });',
      ].join('\n'),
      loader: 'js',
    }));
  },
};

/**
 * express loads body-parser, and with it iconv-lite, qs and raw-body (over half a megabyte that
 * Node would parse at every start), to offer express.json() and its siblings; the agent parses no
 * request bodies (only the dev server and the injector do). Here express gets the four parsers as
 * middleware that import body-parser, from a chunk of its own, on their first request.
 */
const lazyBodyParser = {
  name: 'lazy-body-parser-for-express',
  setup(esbuild) {
    esbuild.onResolve({ filter: /^body-parser$/ }, (args) =>
      /[\\/]node_modules[\\/]express[\\/]lib[\\/]express\.js$/.test(args.importer)
        ? { path: 'body-parser', namespace: 'vaultlet-lazy-body-parser', pluginData: { resolveDir: args.resolveDir } }
        : undefined,
    );
    esbuild.onLoad({ filter: /.*/, namespace: 'vaultlet-lazy-body-parser' }, (args) => ({
      contents: [
        "for (const name of ['json', 'raw', 'text', 'urlencoded']) {",
        '  exports[name] = (options) => {',
        "    const ready = import('body-parser').then(({ default: parsers }) => parsers[name](options));",
        '    return (req, res, next) => ready.then((parse) => parse(req, res, next), next);',
        '  };',
        '}',
      ].join('\n'),
      loader: 'js',
      resolveDir: args.pluginData.resolveDir,
    }));
  },
};

await rm(new URL('../dist/bundle', import.meta.url), { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: ['dist/src/cli.js'],
  outdir: 'dist/bundle',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  minify: true,
  // No keepNames: it would put esbuild's __name() into function sources that the status page
  // inlines into the browser (src/http/status-format.ts); errors spell out their names instead.
  sourcemap: 'linked',
  // CommonJS dependencies call require() for Node's built-ins; an ES module has none of its own.
  banner: { js: "import{createRequire as __vaultletRequire}from'node:module';const require=__vaultletRequire(import.meta.url);" },
  plugins: [axiosOnce, lazyHttp2, lazyBodyParser],
  logLevel: 'warning',
});
