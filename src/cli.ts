#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { runOnce } from './commands/once.js';
import { runAgent } from './commands/run.js';
import { configJsonSchema, loadConfig, parseDuration } from './config/index.js';
import { ConfigError } from './errors.js';
import { VERSION } from './version.js';

const USAGE = `usage: vaultlet <command> [options]

commands:
  run --config FILE           run the sidecar: keep secrets written and renewed, serve /metrics
  once --config FILE          write every secret once and exit (init containers)
       [--timeout 2m]         give up (exit 1) if not all secrets are written by then
  dev-server [--port 8200] [--host 127.0.0.1] [--root-token root] [--seed FILE]
                              a Vault-API-compatible server for demos and tests
  config-schema               print the configuration's JSON Schema
  version                     print the version

exit codes: 0 success, 1 runtime failure, 2 bad configuration or usage`;

/** Exits on the first SIGTERM/SIGINT via `stop`; a second one exits at once. */
function stopSignal(): AbortSignal {
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) process.exit(signal === 'SIGINT' ? 130 : 143);
    controller.abort();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  return controller.signal;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const { values } = parseArgs({
    args: rest,
    options: {
      config: { type: 'string', short: 'c' },
      timeout: { type: 'string' },
      port: { type: 'string' },
      host: { type: 'string' },
      'root-token': { type: 'string' },
      seed: { type: 'string' },
    },
    strict: true,
  });
  switch (command) {
    case 'run':
    case 'once': {
      if (!values.config) throw new ConfigError(`${command}: --config FILE is required`);
      const config = await loadConfig(values.config);
      if (command === 'run') await runAgent(config, stopSignal());
      else await runOnce(config, stopSignal(), parseDuration(values.timeout ?? '2m', '--timeout'));
      return 0;
    }
    case 'dev-server': {
      const { runDevServerCommand } = await import('./devserver/index.js');
      await runDevServerCommand(rest, stopSignal());
      return 0;
    }
    case 'config-schema':
      process.stdout.write(`${JSON.stringify(configJsonSchema(), null, 2)}\n`);
      return 0;
    case 'version':
    case '--version':
      process.stdout.write(`vaultlet ${VERSION}\n`);
      return 0;
    case undefined:
    case 'help':
    case '--help':
      process.stdout.write(`${USAGE}\n`);
      return command === undefined ? 2 : 0;
    default:
      process.stderr.write(`vaultlet: unknown command "${command}"\n${USAGE}\n`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    // A stray handle (a keep-alive socket, a library timer) must not keep a stopped sidecar
    // alive until the kubelet's SIGKILL; an unref'd timer fires only if something else lingers.
    setTimeout(() => process.exit(code), 2_000).unref();
  },
  (error: unknown) => {
    const usage = (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    process.stderr.write(`vaultlet: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = error instanceof ConfigError || usage ? 2 : 1;
  },
);
