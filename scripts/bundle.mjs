// Bundles the compiled CLI (dist/src/cli.js) into dist/bundle/: what the image runs, the tests
// spawn and the benchmarks measure. A few minified chunks instead of ~900 modules roughly halve
// start time and save ~15 MiB, because Node resolves, reads and compiles each module separately.
// The dev server, injector, templates, HTTP app and read endpoint are chunks of their own,
// loaded when first used. `VAULTLET_BUNDLE_META=file` also writes esbuild's metafile.
import { build } from 'esbuild';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { builtinModules, createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(import.meta.url);
const inPackage = (name) => new RegExp(`[\\\\/]node_modules[\\\\/]${name}[\\\\/]`);

/**
 * Gives `importer` (a dependency's file) `contents` in place of what it imports as `specifier`.
 * `contents` may import the real module under the same specifier: only `importer` is redirected.
 */
function replaceImport(name, { specifier, importer, contents }) {
  return {
    name,
    setup(esbuild) {
      esbuild.onResolve({ filter: specifier }, (args) =>
        importer.test(args.importer) ? { path: args.path, namespace: name, pluginData: { resolveDir: args.resolveDir } } : undefined,
      );
      esbuild.onLoad({ filter: /.*/, namespace: name }, (args) => ({ contents: contents.join('\n'), loader: 'js', resolveDir: args.pluginData.resolveDir }));
    },
  };
}

/** node-vault require()s axios's CommonJS build and the transport imports its ESM build: one copy. */
const axiosOnce = {
  name: 'axios-once',
  setup(esbuild) {
    const axiosEsm = require.resolve('axios').replace(/dist[\\/]node[\\/]axios\.cjs$/, 'index.js');
    esbuild.onResolve({ filter: /^axios$/ }, () => ({ path: axiosEsm }));
  },
};

/**
 * axios's fetch adapter probes `new Request(...)` at load, which loads Node's undici and compiles
 * its WebAssembly parser (~6 MiB, ~20 ms) for an adapter the agent never uses: the transport asks
 * for the http adapter by name, so the fetch adapter reports itself unsupported.
 */
const noFetchAdapter = replaceImport('axios-without-fetch', {
  specifier: /^\.\/fetch\.js$/,
  importer: /axios[\\/]lib[\\/]adapters[\\/]adapters\.js$/,
  contents: ['export const getFetch = () => false;', 'export default false;'],
});

/** Reading the global FormData at load costs the same as the probe above; axios still recognises a FormData by its toStringTag. */
const FORM_DATA_PROBE = "const FormDataCtor = typeof G.FormData !== 'undefined' ? G.FormData : undefined;";
const noFormDataProbe = {
  name: 'axios-without-form-data-probe',
  setup(esbuild) {
    esbuild.onLoad({ filter: /axios[\\/]lib[\\/]utils\.js$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      const patched = source.replace(FORM_DATA_PROBE, 'const FormDataCtor = undefined;');
      if (patched === source) throw new Error(`axios changed: ${args.path} no longer has the FormData probe this bundle removes`);
      return { contents: patched, loader: 'js' };
    });
  },
};

/**
 * A built-in in a Proxy that loads it on first use: for imports that only touch the module inside
 * functions the agent calls rarely or never. The target is a function so a module that is itself
 * a function (node:assert) can still be called.
 */
const lazyBuiltin = (builtin, importer, why) => replaceImport(`lazy-${builtin}`, {
  specifier: new RegExp(`^(node:)?${builtin}$`),
  importer,
  contents: [
    `// ${why}`,
    'let loaded;',
    `const load = () => (loaded ??= process.getBuiltinModule('node:${builtin}'));`,
    'module.exports = new Proxy(function () {}, {',
    '  get: (_, key) => load()[key],',
    '  has: (_, key) => key in load(),',
    '  apply: (_, self, args) => load().apply(self, args),',
    '  construct: (_, args) => new (load())(...args),',
    '});',
  ],
});

/**
 * axios imports node:http2 for HTTP/2 requests the agent never makes (Vault is spoken to over
 * HTTP/1.1), and Node compiles http2 and its internals on that import.
 */
const lazyHttp2 = lazyBuiltin('http2', inPackage('axios'), 'HTTP/2 is never used: loaded on first use');

/**
 * node:https (and with it node:tls and the TLS context) only for an https Vault: axios,
 * follow-redirects, node-vault and prom-client's Pushgateway import it at load but touch it only
 * to send a request to an https URL.
 */
const lazyHttps = lazyBuiltin('https', inPackage('(axios|follow-redirects|node-vault|prom-client)'), 'TLS only for an https Vault: loaded on first use');

/** assert, imported at load by sonic-boom (pino's writer) and follow-redirects, called only when something is already wrong. */
const lazyAssert = lazyBuiltin('assert', inPackage('(sonic-boom|follow-redirects|thread-stream)'), 'called only on a broken invariant: loaded on first use');

/**
 * pino reads worker_threads.isMainThread at load, for asynchronous destinations only (the agent
 * logs synchronously), and loads thread-stream (node:worker_threads) for pino.transport(), which
 * the agent never calls. Both are taken on first use.
 */
const PINO_MAIN_THREAD = "const { isMainThread } = require('worker_threads')";
const pinoLazyMainThread = {
  name: 'pino-lazy-main-thread',
  setup(esbuild) {
    esbuild.onLoad({ filter: /pino[\\/]lib[\\/]tools\.js$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      const patched = source.replace(PINO_MAIN_THREAD, "const workerThreads = () => process.getBuiltinModule('node:worker_threads')").replace('&& isMainThread)', '&& workerThreads().isMainThread)');
      if (!patched.includes('workerThreads().isMainThread')) throw new Error(`pino changed: ${args.path} no longer reads isMainThread the way this bundle defers`);
      return { contents: patched, loader: 'js' };
    });
  },
};

/**
 * A CommonJS package imported at load but needed only when its export is constructed: `importer`
 * gets a class that requires the package then, and answers instanceof for the real class.
 */
const lazyClass = (name, importer, why) => replaceImport(`lazy-${name}`, {
  specifier: new RegExp(`^${name}$`),
  importer,
  contents: [
    `// ${why}`,
    'let Real;',
    `const load = () => (Real ??= require('${name}'));`,
    'module.exports = class {',
    '  constructor(...args) {',
    '    return new (load())(...args);',
    '  }',
    '  static [Symbol.hasInstance](value) {',
    '    return Real !== undefined && value instanceof Real;',
    '  }',
    '};',
  ],
});

const lazyThreadStream = lazyClass('thread-stream', inPackage('pino'), 'pino.transport() only');
/** axios imports https-proxy-agent (node:tls, node:net, agent-base) for HTTPS_PROXY: constructed only when a proxy is set. */
const lazyHttpsProxyAgent = lazyClass('https-proxy-agent', inPackage('axios'), 'only when HTTPS_PROXY or https_proxy applies');

/**
 * express loads body-parser, and with it iconv-lite, qs and raw-body (over half a megabyte to
 * parse at every start), to offer express.json() and its siblings; the agent parses no request
 * bodies (the dev server and the injector do). express gets the four parsers as middleware that
 * import body-parser, from a chunk of its own, on their first request.
 */
const lazyBodyParser = replaceImport('lazy-body-parser', {
  specifier: /^body-parser$/,
  importer: /[\\/]node_modules[\\/]express[\\/]lib[\\/]express\.js$/,
  contents: [
    "for (const name of ['json', 'raw', 'text', 'urlencoded']) {",
    '  exports[name] = (options) => {',
    "    const ready = import('body-parser').then(({ default: parsers }) => parsers[name](options));",
    '    return (req, res, next) => ready.then((parse) => parse(req, res, next), next);',
    '  };',
    '}',
  ],
});

/**
 * axios imports form-data (and a second copy of mime-db, 140 KiB of object literal to parse at
 * every start) for multipart bodies, which the agent never sends: axios gets a class that says so.
 */
const noFormData = replaceImport('no-form-data', {
  specifier: /^form-data$/,
  importer: inPackage('axios'),
  contents: [
    'module.exports = class FormData {',
    '  constructor() {',
    "    throw new Error('vaultlet sends no multipart bodies: form-data is not in its bundle (scripts/bundle.mjs)');",
    '  }',
    '};',
  ],
});

/**
 * An ES module that imports a built-in (`import http from 'node:http'`) makes Node build an ES
 * module facade of it, and the facade reads every export, getters included: node:http's
 * WebSocket getter alone loads undici (~15 ms), node:crypto's loads WebCrypto. Through require()
 * a built-in is just its exports object. Every built-in the bundle imports goes through require().
 */
const BUILTINS = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));
const builtinsThroughRequire = {
  name: 'builtins-through-require',
  setup(esbuild) {
    esbuild.onResolve({ filter: /^[a-z_:/0-9]+$/ }, (args) =>
      args.kind === 'import-statement' && BUILTINS.has(args.path)
        ? { path: args.path.replace(/^node:/, ''), namespace: 'builtin-through-require' }
        : undefined,
    );
    esbuild.onLoad({ filter: /.*/, namespace: 'builtin-through-require' }, (args) => ({ contents: `module.exports = require('node:${args.path}');`, loader: 'js' }));
  },
};

/**
 * The image's entry point, dist/bundle/cli.js: it turns on Node's compile cache before the agent's
 * modules are compiled (an ES module's imports are compiled before its own code runs, so the
 * agent cannot turn it on for itself), then starts the agent, dist/bundle/vaultlet.js. The cache
 * is built with the image (scripts/compile-cache.mjs); `portable` keys it by paths relative to
 * the cache, so the one built at /app in the image and the one built in a checkout both hit.
 * process.getBuiltinModule, not an import: an import of node:module builds its ES module facade.
 * A Node without a compile cache (the demo runs the bundle on the machine's Node) just starts.
 */
const LAUNCHER = `// Generated by scripts/bundle.mjs.
process.getBuiltinModule?.('node:module').enableCompileCache?.({ directory: \`\${import.meta.dirname}/compile-cache\`, portable: true });
await import('./vaultlet.js');
`;

// Chunk names are content hashes: clear the old ones so the image copies only what is used.
await rm(new URL('../dist/bundle', import.meta.url), { recursive: true, force: true });
const result = await build({
  absWorkingDir: root,
  entryPoints: { vaultlet: 'dist/src/cli.js' },
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
  plugins: [
    axiosOnce, noFetchAdapter, noFormDataProbe, noFormData, lazyHttp2, lazyHttps, lazyAssert, lazyHttpsProxyAgent, lazyBodyParser,
    pinoLazyMainThread, lazyThreadStream, builtinsThroughRequire,
  ],
  logLevel: 'warning',
  metafile: Boolean(process.env.VAULTLET_BUNDLE_META),
});
await writeFile(new URL('../dist/bundle/cli.js', import.meta.url), LAUNCHER);
if (process.env.VAULTLET_BUNDLE_META) await writeFile(process.env.VAULTLET_BUNDLE_META, JSON.stringify(result.metafile));
