import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AgentProcess } from '../support/agent-process.js';
import { forEachBackend } from '../support/vault-backend.js';
import { startVaultFixture, type VaultFixture } from '../support/vault-fixture.js';

const DB = { name: 'db', kind: 'leased', path: 'database/creds/demo', file: 'db.json' };
const KV = { name: 'app-config', kind: 'kv2', path: 'demo/config', file: 'config.env', format: 'env' };

forEachBackend('vaultlet once, token_file auth and bad config (real processes)', function (backend) {
  this.timeout(60_000);
  let vault: VaultFixture;
  let agent: AgentProcess | undefined;

  beforeEach(async () => {
    vault = await startVaultFixture({ backend });
  });
  afterEach(async function () {
    if (agent && this.currentTest?.state === 'failed') console.log(agent.describe());
    await agent?.stop('SIGKILL');
    agent = undefined;
    await vault.close();
  });

  it('once writes every secret, exits 0, and leaves the leases alive for the app', async () => {
    const config = await vault.writeConfig(vault.config([DB, KV], { listen: false }));
    agent = AgentProcess.start(['once', '--config', config]);
    assert.equal(await agent.wait(), 0, agent.describe());
    assert.deepEqual((await readdir(vault.secretsDir)).filter((f) => !f.startsWith('.')).sort(), ['config.env', 'db.json']);
    assert.match(await readFile(join(vault.secretsDir, 'config.env'), 'utf8'), /^API_KEY=demo-kv-secret-1$/m);
    assert.equal(await vault.backend.leaseCount('database/creds/demo'), 1);
    assert.equal(await vault.backend.tokenCount(), 1);
  });

  it('once exits 1 naming the file and template line when a template cannot be rendered, after writing the rest', async () => {
    const broken = { ...KV, files: [{ file: 'config.env', format: 'env' }, { file: 'app.conf', template: 'key = {{data.api_key}}\nurl = {{data.no_such_key}}\n' }] };
    delete (broken as Record<string, unknown>)['file'];
    delete (broken as Record<string, unknown>)['format'];
    const config = await vault.writeConfig(vault.config([broken], { listen: false }));
    agent = AgentProcess.start(['once', '--config', config]);
    assert.equal(await agent.wait(), 1, agent.describe());
    assert.match(agent.stderr, /not every file could be written: file "app\.conf": template "app\.conf" line 2/);
    assert.ok(!agent.stderr.includes('demo-kv-secret-1'), 'no secret value in the error');
    assert.deepEqual((await readdir(vault.secretsDir)).filter((f) => !f.startsWith('.')), ['config.env']);
  });

  it('once gives up with exit 1 after --timeout when Vault stays sealed, writing nothing', async () => {
    vault.backend.faults.sealed = true;
    const config = await vault.writeConfig(vault.config([KV], { listen: false }));
    agent = AgentProcess.start(['once', '--config', config, '--timeout', '2s']);
    assert.equal(await agent.wait(), 1);
    assert.match(agent.stderr, /gave up after 2s: not logged in \(Vault login failed with HTTP 503: Vault is sealed\); secret "app-config" not written/);
    assert.deepEqual(await readdir(vault.secretsDir), []);
  });

  it('token_file auth: uses the token from the file, does not revoke a token it did not create', async () => {
    const created = await fetch(`${vault.backend.directUrl}/v1/auth/token/create`, {
      method: 'POST',
      headers: { 'X-Vault-Token': vault.backend.rootToken, 'content-type': 'application/json' },
      body: JSON.stringify({ policies: ['demo-app'], ttl: '1h' }),
    });
    const token = ((await created.json()) as { auth: { client_token: string } }).auth.client_token;
    const tokenFile = join(vault.base, 'vault-token');
    await writeFile(tokenFile, `${token}\n`);
    const config = await vault.writeConfig(vault.config([KV], { auth: { method: 'token_file', path: tokenFile } }));
    agent = AgentProcess.start(['run', '--config', config]);
    await agent.waitReady();
    assert.ok(vault.backend.requests.some((r) => r.path === 'auth/token/lookup-self' && r.status === 200));
    assert.ok(!vault.backend.requests.some((r) => r.path.endsWith('/login')));
    assert.equal(await agent.stop('SIGTERM'), 0);
    const lookup = await fetch(`${vault.backend.directUrl}/v1/auth/token/lookup-self`, { headers: { 'X-Vault-Token': token } });
    assert.equal(lookup.status, 200, 'the user-supplied token must survive the agent');
  });

  const badConfigs: Array<[string, (doc: Record<string, any>) => void, RegExp]> = [
    ['an unknown key', (doc) => { doc.secrets[0].colour = 'blue'; }, /secrets\[0\]\.colour: unknown key/],
    ['a wrong type', (doc) => { doc.vault.max_retries = 'lots'; }, /vault\.max_retries/],
    ['a missing field', (doc) => { delete doc.auth.role; }, /auth\.role/],
    ['an unsafe file name', (doc) => { doc.secrets[0].file = '../escape'; }, /secrets\[0\]\.file/],
  ];
  for (const [what, mutate, expected] of badConfigs) {
    it(`run with ${what} exits 2 naming the key, before touching any file or Vault`, async () => {
      const doc = vault.config([{ ...KV }]) as Record<string, any>;
      mutate(doc);
      const config = await vault.writeConfig(doc);
      const before = vault.backend.requests.length;
      agent = AgentProcess.start(['run', '--config', config]);
      assert.equal(await agent.wait(), 2);
      assert.match(agent.stderr, expected);
      assert.deepEqual(await readdir(vault.secretsDir), []);
      assert.equal(vault.backend.requests.length, before, 'no request reached Vault');
    });
  }

  it('reads its config from an environment variable with --config-env (as the injector delivers it)', async () => {
    const text = await readFile(await vault.writeConfig(vault.config([KV])), 'utf8');
    agent = AgentProcess.start(['run', '--config-env', 'VAULTLET_CONFIG'], { VAULTLET_CONFIG: text });
    await agent.waitReady();
    assert.match(await readFile(join(vault.secretsDir, 'config.env'), 'utf8'), /^API_KEY=demo-kv-secret-1$/m);
  });

  it('a missing config file exits 2 naming the file', async () => {
    agent = AgentProcess.start(['run', '--config', join(vault.base, 'nope.yaml')]);
    assert.equal(await agent.wait(), 2);
    assert.match(agent.stderr, /nope\.yaml/);
  });

  it('an unwritable output directory exits 1 with a clear message before any Vault call', async () => {
    const config = await vault.writeConfig(vault.config([KV], { output: { directory: join(vault.base, 'missing-dir') } }));
    const before = vault.backend.requests.length;
    agent = AgentProcess.start(['run', '--config', config]);
    assert.equal(await agent.wait(), 1);
    assert.match(agent.stderr, /missing-dir/);
    assert.equal(vault.backend.requests.length, before);
  });

  it('never writes a secret value or token into its logs or metrics, even with DEBUG=* for its libraries', async () => {
    const config = await vault.writeConfig(vault.config([DB, KV]));
    agent = AgentProcess.start(['run', '--config', config], { DEBUG: '*' });
    await agent.waitReady();
    const metrics = await agent.metrics();
    await agent.stop('SIGTERM');
    const db = JSON.parse(await readFile(join(vault.secretsDir, 'db.json'), 'utf8')) as { username: string; password: string };
    const jwt = await readFile(vault.tokenPath, 'utf8');
    // The tokens themselves; their accessors are logged on purpose (they name a token in Vault's
    // audit log but cannot be used as one).
    const tokens = vault.backend.tokensSeen();
    assert.ok(tokens.length > 0, 'the proxy saw the agent\'s token');
    const output = `${agent.rawStdout.join('\n')}\n${agent.stderr}\n${metrics}`;
    assert.ok(!output.includes('hvs.'), 'a Vault token appears in the output');
    for (const value of [db.password, 'demo-kv-secret-1', jwt.trim(), ...tokens]) {
      assert.ok(!output.includes(value), `a secret value or token appears in the output (${value.slice(0, 4)}…)`);
    }
    assert.ok(agent.lines.length > 5, 'the agent did log');
  });
});
