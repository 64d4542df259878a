import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { access, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { sample } from '../support/agent-process.js';
import { openbaoBinary } from '../support/openbao-binary.js';
import { repoPath } from '../support/repo-root.js';
import { until } from '../support/until.js';

/** `npm run demo` and `npm run demo -- --vault bao`, as a user runs them (after the build). */
describe('the demo (real processes)', function () {
  this.timeout(90_000);
  let demo: ChildProcessWithoutNullStreams | undefined;
  let output = '';

  afterEach(async function () {
    if (this.currentTest?.state === 'failed') console.log(output.slice(-5000));
    if (demo && demo.exitCode === null) {
      demo.kill('SIGKILL');
      await new Promise((resolve) => demo!.once('exit', resolve));
    }
    demo = undefined;
    output = '';
  });

  function start(args: string[]): void {
    // The installed OpenBao, whatever the PATH holds.
    demo = spawn(process.execPath, [repoPath('dist', 'src', 'demo', 'run.js'), ...args], { env: { ...process.env, VAULTLET_BAO: openbaoBinary() } });
    demo.stdout.setEncoding('utf8');
    demo.stderr.setEncoding('utf8');
    demo.stdout.on('data', (chunk: string) => void (output += chunk));
    demo.stderr.on('data', (chunk: string) => void (output += chunk));
  }
  const line = (label: string) => new RegExp(`^${label}: (\\S+)`, 'm').exec(output)?.[1];

  for (const [args, vault] of [[[], /\(dev server, root token/], [['--vault', 'bao'], /\(OpenBao v2\.7\.2 \(.*bao\), root token/]] as const) {
    it(`${['npm run demo', ...(args.length ? ['--', ...args] : [])].join(' ')}: prints secrets: and metrics:, writes every file, stops cleanly on Ctrl-C`, async () => {
      start([...args]);
      const metrics = await until('the metrics: line', () => line('metrics'), 60_000);
      assert.match(output, new RegExp(`^vault: http://127\\.0\\.0\\.1:\\d+ ${vault.source}`, 'm'));
      const secrets = line('secrets')!;
      assert.deepEqual((await readdir(secrets)).filter((name) => !name.startsWith('.')).sort(), ['app.conf', 'config.env', 'db.json', 'tls-ca.crt', 'tls.crt', 'tls.key']);
      const text = await (await fetch(metrics)).text();
      assert.equal(sample(text, 'vaultlet_ready'), 1);
      assert.equal(sample(text, 'vaultlet_logins_total', { method: 'kubernetes', result: 'success' }), 1);
      demo!.kill('SIGINT');
      const code = await new Promise((resolve) => demo!.once('exit', resolve));
      assert.equal(code, 0);
      assert.match(output, /demo stopped; removed /);
      await assert.rejects(access(join(secrets, '..')), { code: 'ENOENT' });
    });
  }

  it('refuses an unknown --vault with exit 2 and the usage', async () => {
    start(['--vault', 'consul']);
    const code = await new Promise((resolve) => demo!.once('exit', resolve));
    assert.equal(code, 2);
    assert.match(output, /--vault must be dev or bao \(got "consul"\)\nusage: npm run demo/);
  });
});
