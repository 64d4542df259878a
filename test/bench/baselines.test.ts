import assert from 'node:assert/strict';
import { mkdtemp, readFile, readlink, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BenchAgent, idleNode, nodeRunTime } from '../../bench/lib/bench-agent.js';
import { kvSecrets, startBenchVault, type BenchVault } from '../../bench/lib/bench-vault.js';
import { imageRuntime } from '../support/image-runtime.js';

/** What a live process runs: its binary, its argv and its environment, as the kernel has them. */
async function processView(pid: number): Promise<{ exe: string; argv: string[]; env: Record<string, string> }> {
  const split = (text: string) => text.split('\0').filter(Boolean);
  const env = Object.fromEntries(split(await readFile(`/proc/${pid}/environ`, 'utf8')).map((entry) => [entry.slice(0, entry.indexOf('=')), entry.slice(entry.indexOf('=') + 1)]));
  return { exe: await readlink(`/proc/${pid}/exe`), argv: split(await readFile(`/proc/${pid}/cmdline`, 'utf8')), env };
}

describe('benchmark baselines', () => {
  let vault: BenchVault;
  let saved: string | undefined;

  before(async () => {
    // The variable these machines set and a pod does not have: it must reach neither process.
    saved = process.env.NODE_EXTRA_CA_CERTS;
    process.env.NODE_EXTRA_CA_CERTS = '/etc/ssl/certs/ca-certificates.crt';
    vault = await startBenchVault({ kvSecrets: 1 });
  });

  after(async () => {
    if (saved === undefined) delete process.env.NODE_EXTRA_CA_CERTS;
    else process.env.NODE_EXTRA_CA_CERTS = saved;
    await vault.close();
  });

  it('the idle-node baseline runs the agent\'s Node binary with its flags and exactly its environment', async () => {
    const agent = new BenchAgent(await vault.writeConfig({ directory: await vault.newOutputDirectory(), secrets: kvSecrets(1, '1h') }));
    const idle = idleNode();
    try {
      await agent.readyAfter(1);
      const [seen, floor] = [await processView(agent.pid), await processView(idle.pid!)];
      const runtime = imageRuntime();
      assert.equal(seen.exe, runtime.node, 'the agent runs on the image\'s Node, not the machine\'s');
      assert.equal(floor.exe, seen.exe);
      assert.deepEqual(seen.argv.slice(1, 1 + runtime.nodeFlags.length), [...runtime.nodeFlags]);
      assert.deepEqual(floor.argv.slice(1, 1 + runtime.nodeFlags.length), [...runtime.nodeFlags]);
      assert.deepEqual(floor.env, seen.env);
      assert.equal(seen.env.NODE_EXTRA_CA_CERTS, undefined);
      assert.equal(seen.env.MALLOC_ARENA_MAX, runtime.env.MALLOC_ARENA_MAX);
    } finally {
      idle.kill('SIGKILL');
      await agent.kill();
    }
  });

  it('the `node -e` start baseline sees the same flags and environment as the agent', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vaultlet-baseline-'));
    try {
      const report = join(dir, 'seen.json');
      const script = `require('fs').writeFileSync(${JSON.stringify(report)}, JSON.stringify({ execPath: process.execPath, execArgv: process.execArgv, env: process.env }))`;
      assert.ok((await nodeRunTime(['-e', script])) > 0);
      const seen = JSON.parse(await readFile(report, 'utf8')) as { execPath: string; execArgv: string[]; env: Record<string, string> };
      const runtime = imageRuntime();
      assert.equal(seen.execPath, runtime.node);
      assert.deepEqual(seen.execArgv.slice(0, runtime.nodeFlags.length), [...runtime.nodeFlags]);
      assert.deepEqual(seen.env, { PATH: process.env.PATH, ...runtime.env });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
