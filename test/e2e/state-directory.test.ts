import assert from 'node:assert/strict';
import { lstat, mkdir, readdir, symlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { AgentProcess } from '../support/agent-process.js';
import { startVaultFixture, type VaultFixture } from '../support/vault-fixture.js';

const KV = { name: 'app-config', kind: 'kv2', path: 'demo/config', file: 'config.env', format: 'env' };

// On the dev server only: what is checked is the file system before any Vault call.
describe('the state directory, planted or opened up by someone else (real processes)', function () {
  this.timeout(60_000);
  let vault: VaultFixture;
  let agent: AgentProcess | undefined;

  beforeEach(async () => {
    vault = await startVaultFixture();
  });
  afterEach(async function () {
    if (agent && this.currentTest?.state === 'failed') console.log(agent.describe());
    await agent?.stop('SIGKILL');
    agent = undefined;
    await vault.close();
  });

  for (const command of ['run', 'once']) {
    it(`${command}: a symlink at the state directory's name is refused before login (exit 1, named), and nothing lands where it points`, async () => {
      const elsewhere = join(vault.base, 'app-readable');
      await mkdir(elsewhere, { mode: 0o755 });
      await symlink(elsewhere, dirname(vault.stateFile));
      const config = await vault.writeConfig(vault.config([KV], { listen: false }));
      agent = AgentProcess.start([command, '--config', config]);
      assert.equal(await agent.wait(), 1, agent.describe());
      assert.match(agent.stderr, /\/state: the state directory is a symlink; refusing to keep the Vault token there/);
      assert.deepEqual(await readdir(elsewhere), []);
      assert.ok(!vault.backend.requests.some((r) => r.path.endsWith('/login')), 'no token was asked for');
    });
  }

  it('run: a state directory it creates is 0700, and the state file 0600', async () => {
    const config = await vault.writeConfig(vault.config([KV], { listen: false }));
    agent = AgentProcess.start(['run', '--config', config]);
    const state = vault.stateFile;
    await agent.waitFor('the state file', () => lstat(state).then(() => true, () => false));
    assert.equal((await lstat(dirname(state))).mode & 0o777, 0o700);
    assert.equal((await lstat(state)).mode & 0o777, 0o600);
  });
});
