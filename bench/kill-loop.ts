import { spawn } from 'node:child_process';
import { lstat, readdir, readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { imageProcess } from '../test/support/image-runtime.js';
import type { BackendChoice } from '../test/support/vault-backend.js';
import { startVaultFixture } from '../test/support/vault-fixture.js';
import { seededRandom } from './fleet/random.js';

/**
 * The kill loop: `vaultlet run` is SIGKILLed over and over, a random 50–400 ms after it is up,
 * while it rotates a 2 s database lease and a KV secret that changes every 100 ms. After
 * every kill each secret file must be absent (never written yet) or complete; a reader process
 * reads the files the whole time and must never see a torn, empty or vanished file. Temp files
 * a kill leaves behind are expected; they are counted and must never be wider than the target.
 *
 *   node dist/bench/kill-loop.js [iterations=1000] [seed]
 *
 * With `--reader DIR PADDING` this file is that reader process.
 */

const SELF = fileURLToPath(import.meta.url);
/** The KV secret carries this much padding so a torn write would have room to show. */
const PADDING = 32 * 1024;
const FILES = { db: 'db.json', kv: 'config.env' } as const;
const STARTUP_LIMIT_MS = 15_000;
const FIRST_WRITE = new Set(['secret written', 'secret rotated', 'adopted the lease of a previous run']);

/** What is wrong with a secret file's bytes, or undefined when it is complete. */
export function problemWith(file: string, bytes: Buffer, padding = PADDING): string | undefined {
  if (bytes.length === 0) return `${file} is empty`;
  const text = bytes.toString('utf8');
  if (file === FILES.db) {
    try {
      const creds = JSON.parse(text) as { username?: unknown; password?: unknown };
      if (typeof creds.username !== 'string' || !creds.username || typeof creds.password !== 'string' || !creds.password) {
        return `${file} lacks username or password`;
      }
    } catch {
      return `${file} is not valid JSON (${bytes.length} bytes)`;
    }
    return undefined;
  }
  if (!text.endsWith('\n')) return `${file} does not end with a newline (${bytes.length} bytes)`;
  const vars = new Map(text.trimEnd().split('\n').map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));
  for (const key of ['API_KEY', 'API_URL', 'PADDING', 'END_MARKER']) if (!vars.has(key)) return `${file} lacks ${key} (${bytes.length} bytes)`;
  if (vars.get('PADDING')!.length !== padding) return `${file} has ${vars.get('PADDING')!.length} bytes of padding`;
  if (vars.get('API_KEY') !== vars.get('END_MARKER')) return `${file} mixes two versions`;
  return undefined;
}

export interface ReaderReport {
  reads: number;
  problems: string[];
}

/** The reader process: reads both files in a loop until SIGTERM, then prints a ReaderReport. */
async function reader(dir: string, padding: number): Promise<void> {
  const report: ReaderReport = { reads: 0, problems: [] };
  const seen = new Set<string>();
  let stop = false;
  process.on('SIGTERM', () => void (stop = true));
  while (!stop) {
    for (const file of Object.values(FILES)) {
      let bytes: Buffer;
      try {
        bytes = await readFile(join(dir, file));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') report.problems.push(`${file}: ${(error as Error).message}`);
        else if (seen.has(file)) report.problems.push(`${file} vanished after it was written`);
        continue;
      }
      seen.add(file);
      report.reads++;
      const problem = problemWith(file, bytes, padding);
      if (problem) report.problems.push(problem);
    }
    await sleep(1);
  }
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

export interface KillLoopResult {
  iterations: number;
  /** Problems found in the files right after a kill. */
  tornFiles: string[];
  reader: ReaderReport;
  /** Temp files left in the output volume (secrets and state) at the end. */
  leftoverTempFiles: number;
  /** The same, by the file each was meant to become. */
  tempFilesByTarget: Record<string, number>;
  /** Temp files whose mode is wider than their target's. */
  widerTempFiles: string[];
  /** Per run that got that far: ms from spawn to its first secret file written or adopted. */
  firstWriteMs: number[];
  /** Distinct versions of the secret files seen after kills (shows the kills landed among writes). */
  versionsSeen: number;
  leasesIssued: number;
  /** Exit code of `vaultlet once` run after the loop on what the kills left behind. */
  finalOnceExit: number | null;
}

const TEMP = /^\.(.+)\.tmp-[0-9a-f]+$/;

/** Temp files in the output directory and the state file's directory, with the file each stands for. */
async function tempFiles(dirs: readonly string[]): Promise<Array<{ path: string; mode: number; target: string }>> {
  const found = [];
  for (const dir of dirs) {
    const names = await readdir(dir).catch(() => [] as string[]);
    for (const name of names) {
      const match = TEMP.exec(name);
      if (!match) continue;
      const stats = await lstat(join(dir, name)).catch(() => undefined);
      if (stats) found.push({ path: join(dir, name), mode: stats.mode & 0o777, target: join(dir, match[1]!) });
    }
  }
  return found;
}

export interface KillLoopOptions {
  readonly iterations: number;
  /** Stop early, after at least one iteration, once this much time has passed. */
  readonly timeBudgetMs?: number;
  readonly seed?: number;
  readonly log?: (line: string) => void;
  /** The Vault to run against (forEachBackend's); the dev server when absent. */
  readonly backend?: BackendChoice;
}

export async function runKillLoop(options: KillLoopOptions): Promise<KillLoopResult> {
  const deadline = Date.now() + (options.timeBudgetMs ?? Number.POSITIVE_INFINITY);
  const random = seededRandom(options.seed ?? 1);
  const vault = await startVaultFixture({ dbDefaultTtl: '2s', dbMaxTtl: '2s', ...(options.backend ? { backend: options.backend } : {}) });
  const dir = vault.secretsDir;
  let version = 0;
  const writeKv = async () => {
    const key = `key-${++version}`;
    await fetch(`${vault.backend.directUrl}/v1/secret/data/demo/config`, {
      method: 'POST',
      headers: { 'X-Vault-Token': vault.backend.rootToken, 'content-type': 'application/json' },
      body: JSON.stringify({ data: { api_key: key, api_url: 'https://api.example.internal', padding: 'p'.repeat(PADDING), end_marker: key } }),
    });
  };
  await writeKv();
  const config = await vault.writeConfig(vault.config(
    [
      { name: 'db', kind: 'leased', path: 'database/creds/demo', file: FILES.db },
      { name: 'app-config', kind: 'kv2', path: 'demo/config', file: FILES.kv, format: 'env', refresh_interval: '1s' },
    ],
    { vault: { address: vault.backend.url, retry_cap: '2s', max_retries: 1 }, listen: false, log: { level: 'info' } },
  ));
  const result: KillLoopResult = {
    iterations: 0, tornFiles: [], reader: { reads: 0, problems: [] }, leftoverTempFiles: 0, tempFilesByTarget: {}, widerTempFiles: [],
    firstWriteMs: [], versionsSeen: 0, leasesIssued: 0, finalOnceExit: null,
  };
  const versions = new Set<string>();
  const written = new Set<string>();
  const readerProcess = spawn(process.execPath, [SELF, '--reader', dir, String(PADDING)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let readerOutput = '';
  readerProcess.stdout.on('data', (chunk: Buffer) => void (readerOutput += chunk.toString()));
  const readerExited = new Promise((resolve) => readerProcess.once('exit', resolve));
  const updater = setInterval(() => void writeKv().catch(() => {}), 100);
  try {
    for (let i = 0; i < options.iterations && (i === 0 || Date.now() < deadline); i++) {
      const spawnedAt = Date.now();
      const agent = imageProcess(['run', '--config', config]);
      const child = spawn(agent.command, agent.args, { env: agent.env, stdio: ['ignore', 'pipe', 'ignore'] });
      let firstWrite: number | undefined;
      let buffered = '';
      let onStarted = () => {};
      const started = new Promise<void>((resolve) => (onStarted = resolve));
      child.stdout.on('data', (chunk: Buffer) => {
        buffered += chunk.toString();
        for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
          const line = buffered.slice(0, nl);
          buffered = buffered.slice(nl + 1);
          try {
            const entry = JSON.parse(line) as { msg?: string; time?: string };
            if (entry.msg === 'vaultlet started') onStarted();
            if (firstWrite === undefined && FIRST_WRITE.has(entry.msg ?? '')) firstWrite = Date.parse(entry.time ?? '') - spawnedAt;
          } catch {
            // not a log line
          }
        }
      });
      const exited = new Promise((resolve) => child.once('exit', resolve));
      // Loading Node and the dependencies takes most of a second: the random lifetime counts
      // from when the agent is up, so the kills land among its logins, adoptions and writes.
      const giveUp = new AbortController();
      await Promise.race([started, exited, sleep(STARTUP_LIMIT_MS, undefined, { signal: giveUp.signal }).catch(() => {})]);
      giveUp.abort();
      await sleep(50 + random() * 350);
      child.kill('SIGKILL');
      await exited;
      if (firstWrite !== undefined) result.firstWriteMs.push(firstWrite);
      result.iterations++;
      for (const file of Object.values(FILES)) {
        const bytes = await readFile(join(dir, file)).catch(() => undefined);
        if (!bytes) {
          if (written.has(file)) result.tornFiles.push(`run ${i}: ${file} vanished after it was written`);
          continue;
        }
        written.add(file);
        const problem = problemWith(file, bytes);
        if (problem) result.tornFiles.push(`run ${i}: ${problem}`);
        versions.add(`${file}:${(await lstat(join(dir, file))).ino}`);
      }
      if (options.log && (i + 1) % 100 === 0) options.log(`${i + 1} runs, ${result.tornFiles.length} torn, ${versions.size} file versions`);
    }
  } finally {
    clearInterval(updater);
    readerProcess.kill('SIGTERM');
    await readerExited;
  }
  result.reader = JSON.parse(readerOutput.trim() || '{"reads":0,"problems":["the reader printed nothing"]}') as ReaderReport;
  const temps = await tempFiles([dir, dirname(vault.stateFile)]);
  result.leftoverTempFiles = temps.length;
  for (const temp of temps) {
    result.tempFilesByTarget[basename(temp.target)] = (result.tempFilesByTarget[basename(temp.target)] ?? 0) + 1;
    const target = await lstat(temp.target).catch(() => undefined);
    const targetMode = target ? target.mode & 0o777 : 0o400;
    if ((temp.mode & ~targetMode) !== 0) result.widerTempFiles.push(`${temp.path} (${temp.mode.toString(8)} > ${targetMode.toString(8)})`);
  }
  result.versionsSeen = versions.size;
  result.leasesIssued = vault.backend.leasesIssued('database/creds/demo');
  const onceProcess = imageProcess(['once', '--config', config, '--timeout', '20s']);
  const once = spawn(onceProcess.command, onceProcess.args, { env: onceProcess.env, stdio: 'ignore' });
  result.finalOnceExit = await new Promise<number | null>((resolve) => once.once('exit', resolve));
  await vault.close();
  return result;
}

export function percentile(values: number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

export function formatTable(result: KillLoopResult): string {
  const ms = (value: number | undefined) => (value === undefined ? 'n/a' : `${Math.round(value)} ms`);
  const rows: Array<[string, string]> = [
    ['iterations (SIGKILL each)', String(result.iterations)],
    ['torn/empty files after a kill', String(result.tornFiles.length)],
    ['reads by the reader process', String(result.reader.reads)],
    ['torn/empty/vanished reads', String(result.reader.problems.length)],
    ['distinct file versions seen', String(result.versionsSeen)],
    ['leftover temp files', `${result.leftoverTempFiles}${result.leftoverTempFiles ? ` (${Object.entries(result.tempFilesByTarget).map(([t, n]) => `${t}: ${n}`).join(', ')})` : ''}`],
    ['temp files wider than target', String(result.widerTempFiles.length)],
    ['database leases issued', String(result.leasesIssued)],
    ['runs that wrote or adopted', String(result.firstWriteMs.length)],
    ['start→first write p50', ms(percentile(result.firstWriteMs, 50))],
    ['start→first write p95', ms(percentile(result.firstWriteMs, 95))],
    ['`vaultlet once` afterwards', result.finalOnceExit === 0 ? 'exit 0' : `exit ${result.finalOnceExit}`],
  ];
  const width = Math.max(...rows.map(([name]) => name.length));
  return rows.map(([name, value]) => `${name.padEnd(width)}  ${value}`).join('\n');
}

async function main(argv: string[]): Promise<void> {
  if (argv[0] === '--reader') return reader(argv[1]!, Number(argv[2]));
  const iterations = Number(argv[0] ?? 1000);
  const seed = Number(argv[1] ?? Date.now() % 1_000_000);
  if (!Number.isInteger(iterations) || iterations <= 0) throw new Error(`iterations must be a positive integer, got ${argv[0]}`);
  console.log(`kill loop: ${iterations} iterations, seed ${seed}`);
  const result = await runKillLoop({ iterations, seed, log: (line) => console.log(`  ${line}`) });
  console.log(formatTable(result));
  for (const problem of [...result.tornFiles, ...result.reader.problems, ...result.widerTempFiles].slice(0, 20)) console.log(`  ! ${problem}`);
  const failed = result.tornFiles.length + result.reader.problems.length + result.widerTempFiles.length > 0 || result.finalOnceExit !== 0;
  process.exitCode = failed ? 1 : 0;
}

if (process.argv[1] === SELF) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
