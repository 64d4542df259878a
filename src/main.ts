import { parseArgs } from 'node:util';
import { runOnce } from './commands/once.js';
import { runAgent } from './commands/run.js';
import { envConfigSource, fileConfigSource, type ConfigSource, type LoadedConfig } from './commands/config-source.js';
import type { StopSignals } from './commands/stop-signals.js';
import { configJsonSchema, parseDuration } from './config/index.js';
import { ConfigError } from './errors.js';
import { VERSION } from './version.js';

const USAGE = `usage: vaultlet <command> [options]

commands:
  run --config FILE | --config-env NAME
                              run the sidecar: keep secrets written and renewed, serve /metrics;
                              the config is reloaded when its file changes or on SIGHUP
  once --config FILE | --config-env NAME
                              write every secret once and exit (init containers)
       [--timeout 2m]         give up (exit 1) if not all secrets are written by then
  dev-server [--port 8200] [--host 127.0.0.1] [--root-token root] [--seed FILE]
                              a Vault-API-compatible server for demos and tests
  inject --tls-cert FILE --tls-key FILE [--port 8443] [--config injector.yaml]
                              the mutating admission webhook (deploy/README.md)
  config-schema               print the configuration's JSON Schema
  version                     print the version

exit codes: 0 success, 1 runtime failure, 2 bad configuration or usage`;

/** `run` and `once` read their config from a file, or from an environment variable (the injector's way). */
async function agentConfig(command: string, args: string[]): Promise<{ source: ConfigSource; loaded: LoadedConfig; timeout?: string }> {
  const { values } = parseArgs({
    args,
    options: { config: { type: 'string', short: 'c' }, 'config-env': { type: 'string' }, timeout: { type: 'string' } },
    strict: true,
  });
  const envName = values['config-env'];
  if (!values.config === !envName) throw new ConfigError(`${command}: give exactly one of --config FILE or --config-env NAME`);
  const source = envName ? envConfigSource(envName) : fileConfigSource(values.config!);
  try {
    return { source, loaded: await source.load(), timeout: values.timeout };
  } catch (error) {
    if (error instanceof ConfigError && envName && !process.env[envName]) throw new ConfigError(`${command}: ${error.message}`);
    throw error;
  }
}

async function main(argv: string[], stops: StopSignals): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'run': {
      const { source, loaded } = await agentConfig(command, rest);
      // SIGHUP stays ignored (cli.ts) until the reloader listens.
      await runAgent(loaded, source, stops);
      return 0;
    }
    case 'once': {
      const { loaded, timeout } = await agentConfig(command, rest);
      await runOnce(loaded, stops.claim(), parseDuration(timeout ?? '2m', '--timeout'));
      return 0;
    }
    case 'dev-server': {
      const { runDevServerCommand } = await import('./devserver/index.js');
      await runDevServerCommand(rest, stops.claim());
      return 0;
    }
    case 'inject': {
      const { runInjectCommand } = await import('./commands/inject.js');
      await runInjectCommand(rest, stops.claim());
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

/** Runs one CLI command to its exit code; `stops` was installed before this module loaded. */
export async function runCli(argv: string[], stops: StopSignals): Promise<void> {
  try {
    process.exitCode = await main(argv, stops);
    // A stray handle (a keep-alive socket, a library timer) must not keep a stopped sidecar
    // alive until the kubelet's SIGKILL; an unref'd timer fires only if something else lingers.
    const code = process.exitCode;
    setTimeout(() => process.exit(code), 2_000).unref();
  } catch (error) {
    const usage = (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    process.stderr.write(`vaultlet: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = error instanceof ConfigError || usage ? 2 : 1;
  }
}
