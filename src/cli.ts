#!/usr/bin/env node
import { StopSignals } from './commands/stop-signals.js';

// First, before the rest of the CLI loads (a quarter of a second of module loading and config
// parsing): a SIGTERM while the pod is still starting ends it cleanly instead of killing Node.
// `once` stopped before it wrote anything has failed; anything else has simply stopped.
const command = process.argv[2];
const stops = StopSignals.install(process, { ignoreHangup: command === 'run', unclaimedExitCode: command === 'once' ? 1 : 0 });
const { runCli } = await import('./main.js');
await runCli(process.argv.slice(2), stops);
