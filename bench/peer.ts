import { readdir } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { BaoAgent, peerFiles, peerPaths, peerRoles, vaultletSecrets, writeBaoConfig, type PeerSecrets } from './lib/bao-agent.js';
import { BenchAgent, sleep } from './lib/bench-agent.js';
import { startBenchVault, type BenchVault, type BenchVaultOptions } from './lib/bench-vault.js';
import { clockTicksPerSecond, cpuTicksOf, median, memoryOf, MiB, type Memory } from './lib/proc.js';
import type { BenchContext, Row } from './row.js';

/**
 * vaultlet beside its peer, OpenBao's agent (`bao agent`, the same program as Vault Agent), in
 * the same run against the same dev server, with the same kubernetes login and the same secrets
 * (half KV v2, half database leases) rendered to the same files. Where both run at once they
 * read disjoint secrets, so every request is counted for the agent that sent it.
 */
const KINDS = ['vaultlet', 'bao agent'] as const;
type Kind = (typeof KINDS)[number];

interface Running {
  readonly pid: number;
  readonly startedAt: number;
  readonly exited: Promise<number | null>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

const half = (n: number, kvInterval: string, first = 0): PeerSecrets => ({ kv: n / 2, db: n / 2, kvInterval, first });

async function start(kind: Kind, vault: BenchVault, secrets: PeerSecrets, directory: string): Promise<Running> {
  if (kind === 'vaultlet') return new BenchAgent(await vault.writeConfig({ directory, secrets: vaultletSecrets(secrets) }));
  return new BaoAgent(await writeBaoConfig(vault, directory, secrets, `bao-${directory.replace(/.*-/, '')}`));
}

/** Ms from the agent's spawn until every file is in `directory` (looked at every 2 ms). */
async function filesWritten(agent: Running, directory: string, names: readonly string[], timeoutMs = 60_000): Promise<number> {
  let exited = false;
  void agent.exited.then(() => (exited = true));
  for (;;) {
    const present = new Set(await readdir(directory));
    if (names.every((name) => present.has(name))) return performance.now() - agent.startedAt;
    if (exited) throw new Error(`agent exited before writing ${names.length} files in ${directory}`);
    if (performance.now() - agent.startedAt > timeoutMs) throw new Error(`agent wrote ${names.filter((n) => present.has(n)).length}/${names.length} files in ${timeoutMs / 1000} s`);
    await sleep(2);
  }
}

async function withVault<T>(options: BenchVaultOptions, body: (vault: BenchVault) => Promise<T>): Promise<T> {
  const vault = await startBenchVault(options);
  try {
    return await body(vault);
  } finally {
    await vault.close();
  }
}

export async function benchPeer(context: BenchContext): Promise<Row[]> {
  const rows: Row[] = [];
  await withVault({ kvSecrets: 50, roles: peerRoles(50, '1h', '24h'), tokenTtl: '1h' }, async (vault) => {
    for (const n of [10, 100]) rows.push(...(await timeToFiles(vault, n, context)));
    for (const n of [10, 100]) rows.push(...(await memoryAndCpu(vault, n, context)));
  });
  rows.push(...(await requestsPerHour(context)));
  rows.push(...(await restarts(context)));
  rows.push(...(await tokenMaxTtl(context)));
  return rows;
}

async function timeToFiles(vault: BenchVault, n: number, context: BenchContext): Promise<Row[]> {
  const runs = context.quick ? 3 : 9;
  const secrets = half(n, '5m');
  const times: Record<Kind, number[]> = { vaultlet: [], 'bao agent': [] };
  for (let i = 0; i < runs + 1; i++) {
    for (const kind of KINDS) {
      const directory = await vault.newOutputDirectory();
      const agent = await start(kind, vault, secrets, directory);
      try {
        const ms = await filesWritten(agent, directory, peerFiles(secrets));
        if (i > 0) times[kind].push(ms); // the first run of each warms the page cache
      } finally {
        await agent.kill();
      }
    }
  }
  const [ours, theirs] = [median(times.vaultlet), median(times['bao agent'])];
  context.log(`peer: ${n} secrets to files: vaultlet ${times.vaultlet.map((t) => t.toFixed(0)).join(' ')} ms; bao agent ${times['bao agent'].map((t) => t.toFixed(0)).join(' ')} ms`);
  return [{
    section: 'peer',
    metric: `start → ${n} files (${n / 2} KV v2, ${n / 2} database leases): vaultlet vs bao agent`,
    value: `${ours.toFixed(0)} vs ${theirs.toFixed(0)} ms`,
    baseline: `vaultlet ${(ours / theirs).toFixed(1)}× bao agent's time`,
    data: { secrets: n, runs, vaultletMs: times.vaultlet, baoMs: times['bao agent'], medianVaultletMs: ours, medianBaoMs: theirs },
  }];
}

/** Both agents at once on the same secrets, settled 20 s; with 100 secrets also CPU over an idle window. */
async function memoryAndCpu(vault: BenchVault, n: number, context: BenchContext): Promise<Row[]> {
  const secrets = half(n, '5m');
  const agents: Array<{ kind: Kind; agent: Running }> = [];
  try {
    for (const kind of KINDS) {
      const directory = await vault.newOutputDirectory();
      const agent = await start(kind, vault, secrets, directory);
      agents.push({ kind, agent });
      await filesWritten(agent, directory, peerFiles(secrets));
    }
    await sleep(20_000);
    const memory = agents.map(({ agent }) => settled(agent.pid));
    const fmt = (m: Memory) => `${mib(m.rssKiB)} / ${mib(m.rssAnonKiB)} MiB; peak ${mib(m.hwmKiB)}`;
    context.log(`peer: ${n} secrets memory: vaultlet ${fmt(memory[0]!)}; bao agent ${fmt(memory[1]!)}`);
    const rows: Row[] = [{
      section: 'peer',
      metric: `memory, ${n} secrets (RSS / RssAnon; peak): vaultlet vs bao agent`,
      value: `${fmt(memory[0]!)} vs ${fmt(memory[1]!)}`,
      baseline: `RssAnon vaultlet ${(memory[0]!.rssAnonKiB / memory[1]!.rssAnonKiB).toFixed(1)}× bao agent's`,
      data: { secrets: n, vaultlet: memory[0], bao: memory[1] },
    }];
    if (n === 100) {
      const windowMs = context.quick ? 30_000 : 60_000;
      const ticks = clockTicksPerSecond();
      const before = agents.map(({ agent }) => cpuTicksOf(agent.pid));
      const startedAt = Date.now();
      await sleep(windowMs);
      const seconds = (Date.now() - startedAt) / 1000;
      const percent = agents.map(({ agent }, i) => ((cpuTicksOf(agent.pid) - before[i]!) / ticks / seconds) * 100);
      context.log(`peer: idle CPU over ${seconds.toFixed(0)} s: vaultlet ${percent[0]!.toFixed(3)}%, bao agent ${percent[1]!.toFixed(3)}%`);
      rows.push({
        section: 'peer',
        metric: `CPU between renewals, 100 secrets, ${seconds.toFixed(0)} s window: vaultlet vs bao agent`,
        value: `${percent[0]!.toFixed(3)}% vs ${percent[1]!.toFixed(3)}%`,
        baseline: `one clock tick = ${((1 / ticks / seconds) * 100).toFixed(3)}%`,
        data: { windowSeconds: seconds, vaultletPercent: percent[0], baoPercent: percent[1] },
      });
    }
    return rows;
  } finally {
    for (const { agent } of agents) await agent.kill();
  }
}

/** The highest of three samples a second apart, so a GC caught mid-way does not flatter anyone. */
function settled(pid: number): Memory {
  const samples = [0, 1, 2].map(() => {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1000);
    return memoryOf(pid);
  });
  return { rssKiB: Math.max(...samples.map((s) => s.rssKiB)), rssAnonKiB: Math.max(...samples.map((s) => s.rssAnonKiB)), hwmKiB: Math.max(...samples.map((s) => s.hwmKiB)) };
}

/**
 * Vault requests per secret per hour, both agents at once on disjoint secrets (5 KV + 5 leases
 * each), with time scaled down 300 times as in vault-load.ts: KV re-read every 1 s (5 min), leases
 * 12 s TTL / 288 s max (1 h / 24 h). Every request for a secret's path or its lease counts, whatever
 * the answer (bao agent also asks sys/internal/ui/mounts/<path> whether a path is KV v2).
 */
async function requestsPerHour(context: BenchContext): Promise<Row[]> {
  const SCALE = 300;
  const runMs = context.quick ? 24_000 : 60_000;
  return withVault({ kvSecrets: 10, roles: peerRoles(10, '12s', '288s'), tokenTtl: '24h' }, async (vault) => {
    const sets: Record<Kind, PeerSecrets> = { vaultlet: half(10, '1s', 0), 'bao agent': half(10, '1s', 5) };
    const from = Date.now();
    const agents = await Promise.all(KINDS.map(async (kind) => start(kind, vault, sets[kind], await vault.newOutputDirectory())));
    await sleep(runMs);
    for (const agent of agents) await agent.kill();
    const hours = ((Date.now() - from) * SCALE) / 3_600_000;
    const seen = vault.server.requests.filter((r) => r.at >= from && r.status !== 0);
    const perHour = (kind: Kind) => {
      const { kv, db } = peerPaths(sets[kind]);
      const leaseOf = (body: unknown) => String((body as { lease_id?: string } | undefined)?.lease_id ?? '');
      const count = (paths: string[]) => seen.filter((r) => paths.some((p) => r.path === p || r.path === `sys/internal/ui/mounts/${p}` || (r.path.startsWith('sys/leases/') && leaseOf(r.body).startsWith(`${p}/`)))).length;
      return { kv: count(kv) / kv.length / hours, db: count(db) / db.length / hours };
    };
    const ours = perHour('vaultlet');
    const theirs = perHour('bao agent');
    context.log(`peer: requests/secret/hour (×${SCALE}, ${hours.toFixed(1)} h): KV vaultlet ${ours.kv.toFixed(2)} bao ${theirs.kv.toFixed(2)}; lease vaultlet ${ours.db.toFixed(2)} bao ${theirs.db.toFixed(2)}`);
    return [{
      section: 'peer',
      metric: 'Vault requests/secret/hour (KV v2 every 5 min; lease 1 h, 24 h max): vaultlet vs bao agent',
      value: `KV ${ours.kv.toFixed(1)} vs ${theirs.kv.toFixed(1)}; lease ${ours.db.toFixed(1)} vs ${theirs.db.toFixed(1)}`,
      baseline: `real run, time ×${SCALE} (${hours.toFixed(1)} virtual hours)`,
      data: { scale: SCALE, virtualHours: hours, vaultlet: ours, bao: theirs },
    }];
  });
}

/** 10 SIGKILL restarts of each (5 database leases), one agent at a time; new leases counted. */
async function restarts(context: BenchContext): Promise<Row[]> {
  const n = context.quick ? 3 : 10;
  const secrets = half(10, '5m');
  return withVault({ kvSecrets: 5, roles: peerRoles(5, '1h', '24h'), tokenTtl: '1h' }, async (vault) => {
    const leases = () => peerPaths(secrets).db.reduce((sum, path) => sum + vault.server.leasesIssued(`${path}/`), 0);
    const result: Record<Kind, number> = { vaultlet: 0, 'bao agent': 0 };
    for (const kind of KINDS) {
      const directory = await vault.newOutputDirectory();
      let agent = await start(kind, vault, secrets, directory);
      await filesWritten(agent, directory, peerFiles(secrets));
      // vaultlet keeps its leases in a state file on the same volume: let it be written.
      await sleep(1500);
      await agent.kill();
      const before = leases();
      for (let i = 0; i < n; i++) {
        agent = await start(kind, vault, secrets, directory);
        await sleep(2000); // files are already there: give either agent the time to adopt or re-lease
        await agent.kill();
      }
      result[kind] = leases() - before;
    }
    context.log(`peer: ${n} SIGKILL restarts: vaultlet ${result.vaultlet} new leases, bao agent ${result['bao agent']}`);
    return [{
      section: 'peer',
      metric: `new leases over ${n} SIGKILL restarts (5 leases held): vaultlet vs bao agent`,
      value: `${result.vaultlet} vs ${result['bao agent']}`,
      baseline: 'vaultlet adopts its leases from its state file; bao agent keeps none across a restart',
      data: { restarts: n, vaultlet: result.vaultlet, bao: result['bao agent'] },
    }];
  });
}

/** Token TTL 2 s, max TTL 6 s: both agents at once on disjoint secrets (5 leases each). */
async function tokenMaxTtl(context: BenchContext): Promise<Row[]> {
  const runMs = context.quick ? 14_000 : 20_000;
  return withVault({ kvSecrets: 10, roles: peerRoles(10, '60s', '10m'), tokenTtl: '2s', tokenMaxTtl: '6s' }, async (vault) => {
    const sets: Record<Kind, PeerSecrets> = { vaultlet: half(10, '5m', 0), 'bao agent': half(10, '5m', 5) };
    const leases = (kind: Kind) => peerPaths(sets[kind]).db.reduce((sum, path) => sum + vault.server.leasesIssued(`${path}/`), 0);
    const agents: Running[] = [];
    try {
      for (const kind of KINDS) {
        const directory = await vault.newOutputDirectory();
        const agent = await start(kind, vault, sets[kind], directory);
        agents.push(agent);
        await filesWritten(agent, directory, peerFiles(sets[kind]));
      }
      const before = KINDS.map(leases);
      await sleep(runMs);
      const added = KINDS.map((kind, i) => leases(kind) - before[i]!);
      const relogins = Math.floor(runMs / 6000);
      context.log(`peer: token max TTL 6 s over ${runMs / 1000} s: vaultlet ${added[0]} new leases, bao agent ${added[1]}`);
      return [{
        section: 'peer',
        metric: `new leases when the token reaches its max TTL (6 s; ${runMs / 1000} s, 5 leases held): vaultlet vs bao agent`,
        value: `${added[0]} vs ${added[1]}`,
        baseline: `about ${relogins} forced re-logins each; Vault revokes a token's leases with it`,
        data: { runSeconds: runMs / 1000, vaultlet: added[0], bao: added[1] },
      }];
    } finally {
      for (const agent of agents) await agent.kill();
    }
  });
}

const mib = (kib: number) => (kib / MiB).toFixed(1);
