import { BenchAgent, idleNode, sleep } from './lib/bench-agent.js';
import { kvSecrets, startBenchVault } from './lib/bench-vault.js';
import { clockTicksPerSecond, cpuTicksOf, memoryOf, MiB, type Memory } from './lib/proc.js';
import type { BenchContext, Row } from './row.js';

const COUNTS = [1, 100, 1000] as const;
const TARGETS: Record<number, { rss?: number; anon?: number }> = { 100: { rss: 48, anon: 12 }, 1000: { rss: 96 } };
const PER_SECRET_TARGET_KIB = 8;

/**
 * Settled memory with 1, 100 and 1,000 KV secrets (re-read hourly, token TTL 1 h, so nothing
 * happens while measuring) and the peak (VmHWM) it went through to get there, the agent run as
 * the image runs it, against an idle Node process run the same way; and, with 100 secrets, the
 * CPU used over an idle window, measured alongside the idle Node process in the same window.
 * --quick measures the same moments (settling takes what it takes) over a shorter CPU window.
 */
export async function benchMemoryAndIdleCpu(context: BenchContext): Promise<Row[]> {
  const settleMs = 20_000;
  const idleWindowMs = context.quick ? 30_000 : 60_000;
  const vault = await startBenchVault({ kvSecrets: 1000, tokenTtl: '1h' });
  const idle = idleNode();
  const rows: Row[] = [];
  const anonBySecrets = new Map<number, number>();
  try {
    await sleep(1000);
    for (const count of COUNTS) {
      const directory = await vault.newOutputDirectory();
      const config = await vault.writeConfig({ directory, secrets: kvSecrets(count, '1h') });
      const agent = new BenchAgent(config);
      try {
        const readyMs = await agent.readyAfter(count);
        await sleep(settleMs);
        const memory = steady(agent.pid);
        const baseline = memoryOf(idle.pid!);
        context.log(`memory: ${count} secrets ready in ${readyMs.toFixed(0)} ms; rss ${mib(memory.rssKiB)} anon ${mib(memory.rssAnonKiB)} peak ${mib(memory.hwmKiB)} (idle node ${mib(baseline.rssKiB)}/${mib(baseline.rssAnonKiB)})`);
        rows.push(memoryRow(count, memory, baseline));
        anonBySecrets.set(count, memory.rssAnonKiB);
        if (count === 100) rows.push(await idleCpu(agent.pid, idle.pid!, idleWindowMs, context));
      } finally {
        await agent.kill();
      }
    }
  } finally {
    idle.kill('SIGKILL');
    await vault.close();
  }
  rows.push(perSecretRow(anonBySecrets.get(100)!, anonBySecrets.get(1000)!));
  return rows;
}

/** What one more secret costs: the slope of private memory from 100 to 1,000 secrets. */
function perSecretRow(anon100: number, anon1000: number): Row {
  const kib = (anon1000 - anon100) / 900;
  return {
    section: 'memory',
    metric: 'private memory per secret (RssAnon, 100 → 1,000 secrets)',
    value: `${kib.toFixed(1)} KiB`,
    target: `≤ ${PER_SECRET_TARGET_KIB} KiB`,
    pass: kib <= PER_SECRET_TARGET_KIB,
    data: { kibPerSecret: kib, anon100KiB: anon100, anon1000KiB: anon1000 },
  };
}

/** Three samples a second apart; the highest, so a GC caught mid-way does not flatter us. */
function steady(pid: number): Memory {
  const samples = [memoryOf(pid)];
  const started = Date.now();
  while (Date.now() - started < 2000) {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1000);
    samples.push(memoryOf(pid));
  }
  return { rssKiB: Math.max(...samples.map((s) => s.rssKiB)), rssAnonKiB: Math.max(...samples.map((s) => s.rssAnonKiB)), hwmKiB: Math.max(...samples.map((s) => s.hwmKiB)) };
}

function memoryRow(count: number, memory: Memory, baseline: Memory): Row {
  const target = TARGETS[count] ?? {};
  const passRss = target.rss === undefined || memory.rssKiB <= target.rss * MiB;
  const passAnon = target.anon === undefined || memory.rssAnonKiB <= target.anon * MiB;
  const targetText = [target.rss !== undefined ? `RSS ≤ ${target.rss} MiB` : '', target.anon !== undefined ? `anon ≤ ${target.anon} MiB` : ''].filter(Boolean).join(', ');
  return {
    section: 'memory',
    metric: `settled memory, ${count} secret${count === 1 ? '' : 's'} (RSS / RssAnon; peak VmHWM)`,
    value: `${mib(memory.rssKiB)} / ${mib(memory.rssAnonKiB)} MiB; peak ${mib(memory.hwmKiB)}`,
    baseline: `idle node: ${mib(baseline.rssKiB)} / ${mib(baseline.rssAnonKiB)} MiB`,
    ...(targetText ? { target: targetText, pass: passRss && passAnon } : {}),
    data: { secrets: count, rssKiB: memory.rssKiB, rssAnonKiB: memory.rssAnonKiB, hwmKiB: memory.hwmKiB, idleNodeRssKiB: baseline.rssKiB, idleNodeRssAnonKiB: baseline.rssAnonKiB, idleNodeHwmKiB: baseline.hwmKiB },
  };
}

async function idleCpu(agentPid: number, idlePid: number, windowMs: number, context: BenchContext): Promise<Row> {
  const ticks = clockTicksPerSecond();
  const before = { agent: cpuTicksOf(agentPid), idle: cpuTicksOf(idlePid), at: Date.now() };
  await sleep(windowMs);
  const seconds = (Date.now() - before.at) / 1000;
  const agentPercent = ((cpuTicksOf(agentPid) - before.agent) / ticks / seconds) * 100;
  const idlePercent = ((cpuTicksOf(idlePid) - before.idle) / ticks / seconds) * 100;
  context.log(`idle cpu over ${seconds.toFixed(0)} s: agent ${agentPercent.toFixed(3)}%, idle node ${idlePercent.toFixed(3)}%`);
  return {
    section: 'cpu',
    metric: `CPU between renewals (100 secrets, ${seconds.toFixed(0)} s window)`,
    value: `${agentPercent.toFixed(3)}% of a core`,
    baseline: `idle node: ${idlePercent.toFixed(3)}%`,
    target: '≤ 0.2%',
    pass: agentPercent <= 0.2,
    data: { windowSeconds: seconds, agentPercent, idleNodePercent: idlePercent, resolutionPercent: (1 / ticks / seconds) * 100 },
  };
}

const mib = (kib: number) => (kib / MiB).toFixed(1);
