import assert from 'node:assert/strict';
import { lstat, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { getProperties } from 'properties-file';
import { parse as parseYaml } from 'yaml';
import { AgentProcess, sample } from '../support/agent-process.js';
import { runChild } from '../support/child-run.js';
import { putKv2 } from '../support/kv-secret.js';
import { forEachBackend } from '../support/vault-backend.js';
import { startVaultFixture, type VaultFixture } from '../support/vault-fixture.js';

/** Values a careless renderer would mangle: quotes, `$`, backticks, backslashes, a line break, YAML words. */
const TRICKY = {
  username: 'app-user',
  password: `it's a $ecret \`x\` \\ "q"`,
  url: 'https://db.example:5432/app?sslmode=require&x=1',
  enabled: 'yes',
  port: '0123',
  note: ' padded ',
  pem: '-----BEGIN X-----\nAAAA\n-----END X-----\n',
};

const DB = { name: 'db', kind: 'leased', path: 'database/creds/demo', file: 'db.json' };

forEachBackend('files on disk (real agent process)', function (backend) {
  this.timeout(60_000);
  let vault: VaultFixture;
  let agent: AgentProcess | undefined;

  beforeEach(async () => {
    vault = await startVaultFixture({ backend, dbDefaultTtl: '3s', dbMaxTtl: '6s' });
  });
  afterEach(async function () {
    if (agent && this.currentTest?.state === 'failed') console.log(agent.describe());
    await agent?.stop('SIGKILL');
    agent = undefined;
    await vault.close();
  });

  async function startAgent(secrets: Array<Record<string, unknown>>, extra: Record<string, unknown> = {}, ready = true): Promise<AgentProcess> {
    agent = AgentProcess.start(['run', '--config', await vault.writeConfig(vault.config(secrets, extra))]);
    if (ready) await agent.waitReady();
    else await agent.waitFor('the listener', () => agent!.metricsUrl);
    return agent;
  }
  const text = (file: string) => readFile(join(vault.secretsDir, file), 'utf8');
  const exists = (file: string) => lstat(join(vault.secretsDir, file)).then(() => true, () => false);

  it('writes one secret as json, env, yaml, properties and raw files, each read back by its parser as the KV data', async () => {
    await putKv2(vault.backend, 'demo/formats', TRICKY);
    await startAgent([
      {
        name: 'app',
        kind: 'kv2',
        path: 'demo/formats',
        files: [
          { file: 'app.json' },
          { file: 'app.env', format: 'env', env_prefix: 'APP_' },
          { file: 'app.yaml', format: 'yaml' },
          { file: 'app.properties', format: 'properties' },
          { file: 'app-password', format: 'raw', field: 'password' },
        ],
      },
    ]);
    assert.deepEqual(JSON.parse(await text('app.json')), TRICKY);
    assert.deepEqual(parseYaml(await text('app.yaml')), TRICKY);
    assert.deepEqual(getProperties(await text('app.properties')), TRICKY);
    assert.equal(await text('app-password'), TRICKY.password);
    // The env file as a POSIX shell reads it: `. file`, then each variable NUL-terminated.
    const keys = Object.keys(TRICKY);
    const script = `. "$1"; printf '%s\\0' ${keys.map((key) => `"$APP_${key.toUpperCase()}"`).join(' ')}`;
    const shell = await runChild('/bin/sh', ['-c', script, 'sh', join(vault.secretsDir, 'app.env')]);
    assert.equal(shell.code, 0, shell.stderr);
    const values = shell.stdout.toString('utf8').split('\0').slice(0, -1);
    assert.deepEqual(Object.fromEntries(keys.map((key, i) => [key, values[i]])), TRICKY);
    // Nothing but the five files: no temp files left, nothing written beside the output directory.
    // (.vaultlet holds the agent's own state file.)
    const written = (await readdir(vault.secretsDir)).filter((name) => name !== '.vaultlet').sort();
    assert.deepEqual(written, ['app-password', 'app.env', 'app.json', 'app.properties', 'app.yaml']);
    assert.deepEqual((await readdir(vault.base)).sort(), ['config-1.yaml', 'sa-token', 'secrets']);
  });

  it('renders templates drawn from a KV secret and a database lease once both have data, and re-renders only them at rotation', async () => {
    const templateFile = join(vault.base, 'app.conf.hbs');
    await writeFile(
      templateFile,
      '# rendered by vaultlet\n[database]\nuser = {{secrets.db.data.username}}\npassword = {{quote secrets.db.data.password}}\n[api]\nkey = {{secrets.app.data.api_key}}\n',
    );
    const app = { name: 'app', kind: 'kv2', path: 'demo/late', file: 'app.json', refresh_interval: '1s' };
    await startAgent([DB, app], {
      templates: [
        { file: 'dsn', secrets: ['db', 'app'], template: 'postgres://{{data.username}}:{{data.password}}@db.internal:5432/app?key={{secrets.app.data.api_key}}\n# lease {{lease.id}} ttl {{lease.ttl_seconds}}s\n' },
        { file: 'app.conf', secrets: ['app', 'db'], template_file: templateFile, mode: '0440' },
      ],
    }, false);
    // The KV secret does not exist yet: the lease's own file is written, the templates wait.
    await agent!.waitFor('db.json', () => exists('db.json'));
    const waiting = await agent!.waitFor('a readiness answer naming the waiting templates', async () => {
      const body = (await (await fetch(`${agent!.metricsUrl}/readyz`)).json()) as { reasons?: string[] };
      return body.reasons?.some((r) => r === 'file "dsn": waiting for secret "app"') ? body.reasons : undefined;
    });
    assert.ok(waiting.includes('file "app.conf": waiting for secret "app"'), waiting.join('\n'));
    assert.equal(await exists('dsn'), false);
    assert.equal(await exists('app.conf'), false);

    await putKv2(vault.backend, 'demo/late', { api_key: 'late-key-1' });
    await agent!.waitReady(10_000);
    const expected = async () => {
      const db = JSON.parse(await text('db.json')) as { username: string; password: string };
      const lease = /^# lease (\S+) ttl 3s$/m.exec(await text('dsn'))?.[1] ?? 'no lease line';
      return {
        db,
        lease,
        dsn: `postgres://${db.username}:${db.password}@db.internal:5432/app?key=late-key-1\n# lease ${lease} ttl 3s\n`,
        conf: `# rendered by vaultlet\n[database]\nuser = ${db.username}\npassword = '${db.password.replaceAll("'", "'\\''")}'\n[api]\nkey = late-key-1\n`,
      };
    };
    const first = await expected();
    assert.equal(await text('dsn'), first.dsn);
    assert.equal(await text('app.conf'), first.conf);
    assert.equal((await lstat(join(vault.secretsDir, 'app.conf'))).mode & 0o777, 0o440);

    assert.deepEqual(await vault.backend.leaseIds('database/creds/demo'), [first.lease], 'the lease the agent holds');
    const kvOnly = await lstat(join(vault.secretsDir, 'app.json'));
    const dsnBefore = await lstat(join(vault.secretsDir, 'dsn'));
    // A renewal extends the same credential: no template is rewritten.
    await agent!.waitFor('a renewal', async () => (sample(await agent!.metrics(), 'vaultlet_secret_renewals_total', { secret: 'db', result: 'success' }) ?? 0) >= 1, 10_000);
    if (JSON.parse(await text('db.json')).username === first.db.username) assert.equal((await lstat(join(vault.secretsDir, 'dsn'))).ino, dsnBefore.ino);
    await agent!.waitFor('a rotated database credential', async () => JSON.parse(await text('db.json')).username !== first.db.username, 20_000);
    const second = await expected();
    await agent!.waitFor('the templates re-rendered', async () => (await text('dsn')) === second.dsn && (await text('app.conf')) === second.conf, 5_000);
    assert.notEqual(second.lease, first.lease);
    assert.ok((await vault.backend.leaseIds('database/creds/demo')).includes(second.lease));
    assert.notEqual((await lstat(join(vault.secretsDir, 'dsn'))).ino, dsnBefore.ino);
    const kvAfter = await lstat(join(vault.secretsDir, 'app.json'));
    assert.equal(kvAfter.ino, kvOnly.ino, 'a file drawn only from the KV secret is not rewritten when the lease rotates');
    assert.equal(kvAfter.mtimeMs, kvOnly.mtimeMs);
  });

  it('a template error affects only its own file and is reported with the file and line, never a value', async () => {
    await startAgent(
      [
        {
          name: 'app',
          kind: 'kv2',
          path: 'demo/config',
          refresh_interval: '1s',
          files: [
            { file: 'config.json' },
            { file: 'config.env', format: 'env' },
            { file: 'broken.conf', template: 'url = {{data.api_url}}\nkey = {{data.api_kye}}\n' },
          ],
        },
      ],
      {},
      false,
    );
    await agent!.waitFor('the good files', async () => (await exists('config.json')) && (await exists('config.env')));
    assert.equal(JSON.parse(await text('config.json')).api_key, 'demo-kv-secret-1');
    assert.match(await text('config.env'), /^API_KEY=demo-kv-secret-1$/m);
    const readyz = await fetch(`${agent!.metricsUrl}/readyz`);
    assert.equal(readyz.status, 503);
    const { reasons } = (await readyz.json()) as { reasons: string[] };
    assert.deepEqual(reasons, ['file "broken.conf": template "broken.conf" line 2: "data.api_kye" is not defined (strict mode; use lookup and default for optional keys)']);
    assert.equal(await exists('broken.conf'), false);

    const status = (await (await fetch(`${agent!.metricsUrl}/status.json`)).json()) as { files: Array<{ file: string; upToDate: boolean; lastError: string | null }> };
    const broken = status.files.find((file) => file.file === 'broken.conf');
    assert.equal(broken?.upToDate, false);
    assert.match(broken?.lastError ?? '', /template "broken\.conf" line 2: "data\.api_kye" is not defined/);
    assert.equal(status.files.find((file) => file.file === 'config.json')?.lastError, null);

    const metrics = await agent!.metrics();
    assert.equal(sample(metrics, 'vaultlet_file_up_to_date', { file: 'broken.conf' }), 0);
    assert.equal(sample(metrics, 'vaultlet_file_up_to_date', { file: 'config.json' }), 1);
    assert.equal(sample(metrics, 'vaultlet_file_up_to_date', { file: 'config.env' }), 1);
    const everything = [agent!.rawStdout.join('\n'), agent!.stderr, metrics, JSON.stringify(status)].join('\n');
    assert.ok(agent!.lines.some((line) => line.file === 'broken.conf' && /line 2/.test(String(line.error))), 'the failure is logged with file and line');
    for (const value of ['demo-kv-secret-1', 'search,beta-ui', 'api.example.internal']) assert.ok(!everything.includes(value), `"${value}" leaked`);

    // The secret gains the key the template wants: the file is written and the agent becomes ready.
    await putKv2(vault.backend, 'demo/config', { api_url: 'https://api.example.internal', api_key: 'demo-kv-secret-2', api_kye: 'typo-key' });
    await agent!.waitReady(10_000);
    assert.equal(await text('broken.conf'), 'url = https://api.example.internal\nkey = typo-key\n');
    assert.equal(sample(await agent!.metrics(), 'vaultlet_file_up_to_date', { file: 'broken.conf' }), 1);
  });

  it('sets each file\'s mode, uid and gid; defaults are 0400 and the agent\'s own user', async () => {
    await startAgent(
      [
        {
          name: 'app',
          kind: 'kv2',
          path: 'demo/config',
          files: [
            { file: 'owned.json', mode: '0440', uid: 65534, gid: 65534 },
            { file: 'group.env', format: 'env', mode: '0640', gid: 65534 },
            { file: 'default.json' },
          ],
        },
      ],
      { templates: [{ file: 'key.txt', secrets: ['app'], template: '{{data.api_key}}', mode: '0600', uid: 65534 }] },
    );
    const owner = async (file: string) => {
      const stats = await lstat(join(vault.secretsDir, file));
      assert.ok(stats.isFile(), `${file} is a regular file`);
      return { mode: stats.mode & 0o7777, uid: stats.uid, gid: stats.gid };
    };
    const me = { uid: process.getuid!(), gid: process.getgid!() };
    assert.deepEqual(await owner('owned.json'), { mode: 0o440, uid: 65534, gid: 65534 });
    assert.deepEqual(await owner('group.env'), { mode: 0o640, uid: me.uid, gid: 65534 });
    assert.deepEqual(await owner('default.json'), { mode: 0o400, ...me });
    assert.deepEqual(await owner('key.txt'), { mode: 0o600, uid: 65534, gid: me.gid });
    assert.equal(await text('key.txt'), 'demo-kv-secret-1');
  });

  const unsafeNames: Array<[string, (doc: Record<string, any>) => void, RegExp]> = [
    ['a "/" in a files entry', (doc) => { doc.secrets[0].files = [{ file: 'ok.json' }, { file: 'sub/evil.json' }]; }, /secrets\[0\]\.files\[1\]\.file: must be a file name without "\/"/],
    ['a "../" in a template file', (doc) => { doc.templates = [{ file: '../evil', secrets: ['app'], template: 'x' }]; }, /templates\[0\]\.file: must be a file name without "\/"/],
    ['".." as a secret\'s file', (doc) => { doc.secrets[0].file = '..'; }, /secrets\[0\]\.file: must not start with "\."/],
    ['an absolute path', (doc) => { doc.secrets[0].file = '/etc/evil'; }, /secrets\[0\]\.file: must be a file name without "\/"/],
  ];
  for (const [what, mutate, expected] of unsafeNames) {
    it(`refuses ${what} at config load: exit 2 naming the key, nothing written, Vault untouched`, async () => {
      const doc = vault.config([{ name: 'app', kind: 'kv2', path: 'demo/config' }]) as Record<string, any>;
      mutate(doc);
      const before = vault.backend.requests.length;
      agent = AgentProcess.start(['run', '--config', await vault.writeConfig(doc)]);
      assert.equal(await agent.wait(), 2);
      assert.match(agent.stderr, expected);
      assert.deepEqual(await readdir(vault.secretsDir), []);
      assert.deepEqual((await readdir(vault.base)).sort(), ['config-1.yaml', 'sa-token', 'secrets']);
      assert.equal(vault.backend.requests.length, before, 'no request reached Vault');
    });
  }
});
