import { BenchAgent, nodeRunTime } from './lib/bench-agent.js';
import { kvSecrets, startBenchVault } from './lib/bench-vault.js';
import { median } from './lib/proc.js';
import type { BenchContext, Row } from './row.js';

/**
 * Process start to 10 secrets written and /readyz 200, against `node -e 0` (spawn to exit),
 * runs interleaved so both see the same machine. The agent runs as the image runs it (the
 * bundle, the Dockerfile's Node flags); the flags do not change `node -e 0`'s time. Each agent run starts with an empty output
 * directory (nothing to adopt) and is killed once ready.
 */
export async function benchStartup(context: BenchContext): Promise<Row[]> {
  const runs = context.quick ? 5 : 15;
  const vault = await startBenchVault({ kvSecrets: 10 });
  const agentMs: number[] = [];
  const nodeMs: number[] = [];
  try {
    // One warm-up of each: the first spawn pays for the page cache.
    await nodeRunTime(['-e', '0']);
    await runAgentOnce(vault, 10);
    for (let i = 0; i < runs; i++) {
      nodeMs.push(await nodeRunTime(['-e', '0']));
      agentMs.push(await runAgentOnce(vault, 10));
    }
  } finally {
    await vault.close();
  }
  const agent = median(agentMs);
  const node = median(nodeMs);
  context.log(`startup: agent ${agentMs.map((ms) => ms.toFixed(0)).join(' ')} ms; node -e 0 ${nodeMs.map((ms) => ms.toFixed(0)).join(' ')} ms`);
  return [{
    section: 'start',
    metric: 'start → 10 secrets written, /readyz 200',
    value: `${agent.toFixed(0)} ms (${(agent / node).toFixed(1)}×)`,
    baseline: `node -e 0: ${node.toFixed(0)} ms`,
    target: '≤ 4×',
    pass: agent <= 4 * node,
    data: { runs, agentMs, nodeMs, medianAgentMs: agent, medianNodeMs: node, ratio: agent / node },
  }];
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
