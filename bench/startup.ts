import { BenchAgent, nodeRunTime, onceRunTime } from './lib/bench-agent.js';
import { kvSecrets, startBenchVault } from './lib/bench-vault.js';
import { median } from './lib/proc.js';
import type { BenchContext, Row } from './row.js';

/**
 * Process start to 10 secrets written and /readyz 200 (`vaultlet run`), and to exit with 10
 * secrets written (`vaultlet once`, an init container), against `node -e 0` (spawn to exit), the
 * three interleaved so they see the same machine. All three run exactly as the image runs the
 * agent: its Node, its flags, its environment (bench-agent.ts). Each agent run starts with an
 * empty output directory (nothing to adopt); `run` is killed once ready.
 */
export async function benchStartup(context: BenchContext): Promise<Row[]> {
  const runs = context.quick ? 5 : 15;
  const vault = await startBenchVault({ kvSecrets: 10 });
  const agentMs: number[] = [];
  const onceMs: number[] = [];
  const nodeMs: number[] = [];
  try {
    // One warm-up of each: the first spawn pays for the page cache.
    await nodeRunTime(['-e', '0']);
    await runAgentOnce(vault, 10);
    await runOnce(vault, 10);
    for (let i = 0; i < runs; i++) {
      nodeMs.push(await nodeRunTime(['-e', '0']));
      agentMs.push(await runAgentOnce(vault, 10));
      onceMs.push(await runOnce(vault, 10));
    }
  } finally {
    await vault.close();
  }
  const node = median(nodeMs);
  const list = (values: number[]) => values.map((ms) => ms.toFixed(0)).join(' ');
  context.log(`startup: run ${list(agentMs)} ms; once ${list(onceMs)} ms; node -e 0 ${list(nodeMs)} ms`);
  const row = (metric: string, values: number[]): Row => {
    const agent = median(values);
    return {
      section: 'start',
      metric,
      value: `${agent.toFixed(0)} ms (${(agent / node).toFixed(1)}×)`,
      baseline: `node -e 0: ${node.toFixed(0)} ms`,
      target: '≤ 4×',
      pass: agent <= 4 * node,
      data: { runs, agentMs: values, nodeMs, medianAgentMs: agent, medianNodeMs: node, ratio: agent / node },
    };
  };
  return [row('start → 10 secrets written, /readyz 200 (run)', agentMs), row('start → 10 secrets written, exit 0 (once)', onceMs)];
}

async function runOnce(vault: Awaited<ReturnType<typeof startBenchVault>>, secrets: number): Promise<number> {
  const directory = await vault.newOutputDirectory();
  return onceRunTime(await vault.writeConfig({ directory, secrets: kvSecrets(secrets, '5m') }));
}

async function runAgentOnce(vault: Awaited<ReturnType<typeof startBenchVault>>, secrets: number): Promise<number> {
  const directory = await vault.newOutputDirectory();
  const config = await vault.writeConfig({ directory, secrets: kvSecrets(secrets, '5m') });
  const agent = new BenchAgent(config);
  try {
    return await agent.readyAfter(secrets);
  } finally {
    await agent.kill();
  }
}
