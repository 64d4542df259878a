import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { AgentProcess } from '../support/agent-process.js';
import { startVaultFixture, type VaultFixture } from '../support/vault-fixture.js';

/** Names accepted by a character count but never writable: a config error (exit 2), not a retry loop. */
describe('file names that can never be written (real processes)', function () {
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

  const names: Array<[string, string, RegExp]> = [
    ['a newline', 'db\n.json', /secrets\[1\]\.file: must not contain control characters/],
    ['300 bytes in 100 characters', '鍵'.repeat(100), /secrets\[1\]\.file: must be at most 237 bytes in UTF-8 .*it is 300/],
    ['no room for the temp file', `${'x'.repeat(245)}.env`, /secrets\[1\]\.file: must be at most 237 bytes/],
  ];
  for (const [what, file, message] of names) {
    it(`once: ${what} exits 2 naming the key, before writing anything`, async () => {
      const config = await vault.writeConfig(vault.config([
        { name: 'app-config', kind: 'kv2', path: 'demo/config', file: 'config.env', format: 'env' },
        { name: 'other', kind: 'kv2', path: 'demo/config', file, format: 'env' },
      ], { listen: false }));
      agent = AgentProcess.start(['once', '--config', config, '--timeout', '10s']);
      assert.equal(await agent.wait(), 2, agent.describe());
      assert.match(agent.stderr, message);
      assert.deepEqual(await readdir(vault.secretsDir), []);
    });
  }
});
