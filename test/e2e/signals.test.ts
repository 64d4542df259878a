import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, constants, openSync, writeSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { AgentProcess } from '../support/agent-process.js';
import { until } from '../support/until.js';
import { forEachBackend } from '../support/vault-backend.js';
import { startVaultFixture, type VaultFixture } from '../support/vault-fixture.js';

const DB = { name: 'db', kind: 'leased', path: 'database/creds/demo', file: 'db.json' };
const exists = (path: string) => stat(path).then(() => true, () => false);

/** Signals at awkward moments: while starting, and again and again while stopping (real processes). */
forEachBackend('stop signals (real processes)', function (backend) {
  this.timeout(60_000);
  let vault: VaultFixture;
  let agent: AgentProcess | undefined;
  let stateFile: string;

  beforeEach(async () => {
    vault = await startVaultFixture({ backend });
    stateFile = vault.stateFile;
  });
  afterEach(async function () {
    if (agent && this.currentTest?.state === 'failed') console.log(agent.describe());
    await agent?.stop('SIGKILL');
    agent = undefined;
    vault.backend.faults.latencyMs = 0;
    await vault.close();
  });

  it('a SIGTERM while it is still reading its config ends it cleanly (exit 0), without a single Vault call', async () => {
    // The config comes through a FIFO that the test holds open without writing: the agent is held
    // in the slow part of its start (loading, reading the config) for as long as the test needs.
    const fifo = join(vault.base, 'config.fifo');
    execFileSync('mkfifo', [fifo]);
    const config = await readFile(await vault.writeConfig(vault.config([DB])));
    const before = vault.backend.requests.length;
    agent = AgentProcess.start(['run', '--config', fifo]);
    let writer: number | undefined;
    await agent.waitFor('the agent to open its config', () => {
      try {
        writer = openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK); // ENXIO until a reader waits
        return true;
      } catch {
        return false;
      }
    });
    agent.child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 200));
    // If Node is still waiting for its pending read to exit, the config arrives, and is not acted on.
    try {
      writeSync(writer!, config);
    } catch {
      // EPIPE: already gone
    }
    closeSync(writer!);
    assert.equal(await agent.wait(), 0, agent.describe());
    assert.equal(agent.child.signalCode, null, 'handled, not killed by the signal');
    assert.deepEqual(vault.backend.requests.slice(before).map((r) => r.path), [], 'no request to Vault');
  });

  async function slowRevocation(): Promise<void> {
    const config = await vault.writeConfig(vault.config([DB], { shutdown: { revoke: true, grace_period: '10s' } }));
    agent = AgentProcess.start(['run', '--config', config]);
    await agent.waitReady();
    await agent.waitFor('the state file', () => exists(stateFile));
    assert.equal(await vault.backend.leaseCount('database/creds/demo'), 1);
    vault.backend.faults.latencyPathPattern = /^auth\/token\/revoke-self$/;
    vault.backend.faults.latencyMs = 1_500;
  }

  it('a repeated SIGTERM while revoking does not cut it short: token and lease revoked, state file removed, exit 0', async () => {
    await slowRevocation();
    agent!.child.kill('SIGTERM');
    await agent!.waitFor('the revocation to start', () => vault.backend.requests.some((r) => r.path === 'auth/token/revoke-self'));
    agent!.child.kill('SIGTERM');
    assert.equal(await agent!.wait(), 0, agent!.describe());
    assert.ok(agent!.lines.some((line) => line.msg?.startsWith('already stopping')), 'the repeated signal is logged');
    assert.equal(vault.backend.requests.find((r) => r.path === 'auth/token/revoke-self')?.status, 204);
    // OpenBao revokes a token's leases in the background after answering revoke-self.
    await until('the lease revoked with the token', async () => (await vault.backend.leaseCount('database/creds/demo')) === 0);
    assert.equal(await exists(stateFile), false);
  });

  it('a token revocation Vault refuses leaves the state file for the next start (as the README says), exit 0', async () => {
    await slowRevocation();
    vault.backend.faults.latencyMs = 0;
    vault.backend.faults.errorPathPattern = /^auth\/token\/revoke-self$/;
    vault.backend.faults.errorStatus = 500;
    assert.equal(await agent!.stop('SIGTERM'), 0, agent!.describe());
    vault.backend.faults.errorStatus = 0;
    assert.ok(vault.backend.requests.some((r) => r.path === 'auth/token/revoke-self' && r.status === 500));
    assert.equal(await exists(stateFile), true);
  });

  for (const [signals, code] of [[['SIGTERM', 'SIGTERM', 'SIGTERM'], 143], [['SIGINT', 'SIGINT'], 130]] as const) {
    it(`${signals.join(' + ')} while revoking stops at once (exit ${code}), keeping the state file for the next start`, async () => {
      await slowRevocation();
      agent!.child.kill(signals[0]);
      await agent!.waitFor('the revocation to start', () => vault.backend.requests.some((r) => r.path === 'auth/token/revoke-self'));
      for (const signal of signals.slice(1)) {
        // Apart: a signal sent while the same one is still pending is merged with it.
        await new Promise((resolve) => setTimeout(resolve, 100));
        agent!.child.kill(signal);
      }
      assert.equal(await agent!.wait(), code, agent!.describe());
      assert.equal(await exists(stateFile), true, 'what the next start adopts');
    });
  }
});
