import { BenchAgent, idleNode, sleep } from './lib/bench-agent.js';
import { kvSecrets, startBenchVault } from './lib/bench-vault.js';
import { clockTicksPerSecond, cpuTicksOf, memoryOf, MiB, type Memory } from './lib/proc.js';
import type { BenchContext, Row } from './row.js';

const COUNTS = [1, 100, 1000] as const;
const TARGETS: Record<number, { rss?: number; anon?: number }> = { 100: { rss: 64, anon: 24 }, 1000: { rss: 96 } };

/**
 * Steady-state memory with 1, 100 and 1,000 KV secrets (re-read hourly, token TTL 1 h, so
 * nothing happens while measuring), the agent run as the image runs it, against an idle Node
 * process without any flags; and, with 100 secrets, the
 * CPU used over an idle window, measured alongside the idle Node process in the same window.
 */
export async function benchMemoryAndIdleCpu(context: BenchContext): Promise<Row[]> {
  const settleMs = context.quick ? 5_000 : 20_000;
  const idleWindowMs = context.quick ? 15_000 : 60_000;
  const vault = await startBenchVault({ kvSecrets: 1000, tokenTtl: '1h' });
  const idle = idleNode();
  const rows: Row[] = [];
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
        context.log(`memory: ${count} secrets ready in ${readyMs.toFixed(0)} ms; rss ${mib(memory.rssKiB)} anon ${mib(memory.rssAnonKiB)} (idle node ${mib(baseline.rssKiB)}/${mib(baseline.rssAnonKiB)})`);
        rows.push(memoryRow(count, memory, baseline));
        if (count === 100) rows.push(await idleCpu(agent.pid, idle.pid!, idleWindowMs, context));
      } finally {
        await agent.kill();
      }
    }
  } finally {
    idle.kill('SIGKILL');
    await vault.close();
  }
  return rows;
}

/** Three samples a second apart; the highest, so a GC caught mid-way does not flatter us. */
function steady(pid: number): Memory {
  const samples = [memoryOf(pid)];
  const started = Date.now();
  while (Date.now() - started < 2000) {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1000);
    samples.push(memoryOf(pid));
  }
  return { rssKiB: Math.max(...samples.map((s) => s.rssKiB)), rssAnonKiB: Math.max(...samples.map((s) => s.rssAnonKiB)) };
}

function memoryRow(count: number, memory: Memory, baseline: Memory): Row {
  const target = TARGETS[count] ?? {};
  const passRss = target.rss === undefined || memory.rssKiB <= target.rss * MiB;
  const passAnon = target.anon === undefined || memory.rssAnonKiB <= target.anon * MiB;
  const targetText = [target.rss !== undefined ? `RSS ≤ ${target.rss} MiB` : '', target.anon !== undefined ? `anon ≤ ${target.anon} MiB` : ''].filter(Boolean).join(', ');
  return {
    section: 'memory',
    metric: `steady memory, ${count} secret${count === 1 ? '' : 's'} (RSS / RssAnon)`,
    value: `${mib(memory.rssKiB)} / ${mib(memory.rssAnonKiB)} MiB`,
    baseline: `idle node: ${mib(baseline.rssKiB)} / ${mib(baseline.rssAnonKiB)} MiB`,
    ...(targetText ? { target: targetText, pass: passRss && passAnon } : {}),
    data: { secrets: count, rssKiB: memory.rssKiB, rssAnonKiB: memory.rssAnonKiB, idleNodeRssKiB: baseline.rssKiB, idleNodeRssAnonKiB: baseline.rssAnonKiB },
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
