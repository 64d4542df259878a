import { execFile } from 'node:child_process';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { arch, cpus, release } from 'node:os';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { benchFleet } from './fleet.js';
import { benchLeaseChurn } from './lease-churn.js';
import { benchMemoryAndIdleCpu } from './memory.js';
import { benchPeer } from './peer.js';
import { linePlotSvg } from './plot-svg.js';
import type { BenchContext, Row } from './row.js';
import { benchScale } from './scale.js';
import { benchStartup } from './startup.js';
import { renderTable } from './table.js';
import { imageRuntime } from '../test/support/image-runtime.js';
import { benchVaultLoad } from './vault-load.js';

/**
 * `npm run bench [-- --quick] [-- --only start,memory,scale,load,churn,fleet,peer]`: every benchmark with its
 * baseline measured in the same run; one table on stdout, bench/results/latest.json and
 * bench/results/fleet.svg (and .png when ImageMagick is there).
 */
const SECTIONS = ['start', 'memory', 'scale', 'load', 'churn', 'fleet', 'peer'] as const;

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false }, only: { type: 'string' }, results: { type: 'string' } }, strict: true });
  const only = new Set(values.only ? values.only.split(',') : SECTIONS);
  const context: BenchContext = { quick: values.quick ?? false, log: (message) => process.stderr.write(`  ${message}\n`) };
  // <outDir>/bench/run.js → <repo>/bench/results, whichever outDir was compiled to.
  const results = values.results ?? fileURLToPath(new URL('../../bench/results/', import.meta.url));
  await mkdir(results, { recursive: true });
  const rows: Row[] = [];
  const started = Date.now();
  const run = async (section: (typeof SECTIONS)[number], bench: () => Promise<Row[]> | Row[]) => {
    if (!only.has(section)) return;
    process.stderr.write(`${section}…\n`);
    rows.push(...(await bench()));
  };
  let svg: string | undefined;
  await run('fleet', () => {
    const fleet = benchFleet(context);
    svg = linePlotSvg('Vault requests per second (virtual clock, real nextAction + backoffDelay)', 'requests/s (10 s average, log)', fleet.series);
    return fleet.rows;
  });
  await run('start', () => benchStartup(context));
  await run('memory', () => benchMemoryAndIdleCpu(context));
  await run('scale', () => benchScale(context));
  await run('load', () => benchVaultLoad(context));
  await run('churn', () => benchLeaseChurn(context));
  await run('peer', () => benchPeer(context));

  const table = renderTable(rows);
  const runtime = imageRuntime();
  process.stdout.write(`\n${table}\n`);
  const report = {
    generatedAt: new Date().toISOString(),
    mode: context.quick ? 'quick' : 'full',
    seconds: Math.round((Date.now() - started) / 1000),
    // The harness runs on the machine's Node; every agent and baseline on the image's.
    machine: { harnessNode: process.version, agentNode: `v${runtime.nodeVersion}`, agentNodeFlags: runtime.nodeFlags, cpu: cpus()[0]?.model, cores: cpus().length, kernel: release(), arch: arch() },
    rows,
  };
  await atomicWrite(join(results, 'latest.json'), `${JSON.stringify(report, null, 2)}\n`);
  if (svg) {
    await atomicWrite(join(results, 'fleet.svg'), svg);
    await toPng(join(results, 'fleet.svg'), join(results, 'fleet.png'));
  }
  process.stderr.write(`wrote ${join(results, 'latest.json')}${svg ? ' and fleet.svg' : ''}\n`);
  if (rows.some((row) => row.pass === false)) process.exitCode = 1;
}

async function atomicWrite(path: string, text: string): Promise<void> {
  await writeFile(`${path}.tmp`, text);
  await rename(`${path}.tmp`, path);
}

/** ImageMagick or a headless Chromium may or may not be installed; the SVG is the plot either way. */
async function toPng(svg: string, png: string): Promise<void> {
  const tmp = `${png}.tmp.png`;
  const converters: Array<[string, string[]]> = [
    ['convert', ['-density', '110', svg, tmp]],
    ['chromium', ['--headless', '--no-sandbox', '--disable-gpu', '--hide-scrollbars', `--screenshot=${tmp}`, '--window-size=900,710', `file://${svg}`]],
  ];
  for (const [command, args] of converters) {
    try {
      await promisify(execFile)(command, args, { timeout: 60_000 });
      await rename(tmp, png);
      return;
    } catch {
      await rm(tmp, { force: true });
    }
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 2;
});
