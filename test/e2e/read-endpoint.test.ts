import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readsUpdateAtime } from '../../src/access/atime-support.js';
import { AgentProcess, sample } from '../support/agent-process.js';
import { runChild } from '../support/child-run.js';
import { forEachBackend } from '../support/vault-backend.js';
import { startVaultFixture, type VaultFixture } from '../support/vault-fixture.js';

const DB = { name: 'db', kind: 'leased', path: 'database/creds/demo', file: 'db.json' };
const KV = { name: 'app-config', kind: 'kv2', path: 'demo/config', file: 'config.json' };
const READS = 5;

interface CurlRead {
  status: number;
  etag: string;
  body: Buffer;
}

forEachBackend('read endpoint and app-read metrics (real agent process, real reader processes)', function (backend) {
  this.timeout(60_000);
  let vault: VaultFixture;
  let agent: AgentProcess | undefined;
  let reads = 0;

  beforeEach(async () => {
    vault = await startVaultFixture({ backend, dbDefaultTtl: '3s', dbMaxTtl: '6s' });
  });
  afterEach(async function () {
    if (agent && this.currentTest?.state === 'failed') console.log(agent.describe());
    await agent?.stop('SIGKILL');
    agent = undefined;
    await vault.close();
  });

  /** Starts the agent with the endpoint on a port the OS picks; returns the endpoint's URL from the log. */
  async function startAgent(): Promise<string> {
    const config = await vault.writeConfig(vault.config([DB, KV], { read_endpoint: { host: '127.0.0.1', port: 0 } }));
    agent = AgentProcess.start(['run', '--config', config]);
    await agent.waitReady();
    const line = await agent.waitForLog('serving the files on the read endpoint');
    assert.match(String(line.url), /^http:\/\/127\.0\.0\.1:\d+$/);
    return String(line.url);
  }

  /** One GET by curl, a process of its own as the app would be. */
  async function curl(url: string, headers: string[] = []): Promise<CurlRead> {
    const bodyFile = join(vault.base, `body-${++reads}`);
    const args = ['-sS', '-o', bodyFile, '-w', '%{http_code}\n%header{etag}', ...headers.flatMap((header) => ['-H', header]), url];
    const result = await runChild('curl', args);
    assert.equal(result.code, 0, result.stderr);
    const [status, etag] = result.stdout.toString('utf8').split('\n');
    return { status: Number(status), etag: etag ?? '', body: await readFile(bodyFile).catch(() => Buffer.alloc(0)) };
  }
  const metric = async (name: string, labels: Record<string, string>) => sample(await agent!.metrics(), name, labels);

  it('serves the bytes on disk, counts every read exactly, and hands out a new ETag after a rotation', async () => {
    const endpoint = await startAgent();
    const file = join(vault.secretsDir, 'db.json');
    const onDisk = await readFile(file);
    const answers: CurlRead[] = [];
    for (let i = 0; i < READS; i++) answers.push(await curl(`${endpoint}/v1/files/db.json`));
    for (const answer of answers) {
      assert.equal(answer.status, 200);
      assert.ok(answer.body.equals(onDisk), 'the endpoint serves exactly the bytes on disk');
    }
    const etag = answers[0]!.etag;
    assert.match(etag, /^"[\x21\x23-\x7e]+"$/);
    assert.ok(answers.every((answer) => answer.etag === etag), 'one version, one ETag');
    assert.ok(!etag.includes(JSON.parse(onDisk.toString('utf8')).password), 'the ETag is not the secret');
    assert.equal(await metric('vaultlet_file_endpoint_reads_total', { file: 'db.json', result: 'ok' }), READS);

    // An app polling with the ETag it holds: 304 without bytes, not counted as a read.
    const unchanged = await curl(`${endpoint}/v1/files/db.json`, [`If-None-Match: ${etag}`]);
    assert.equal(unchanged.status, 304);
    assert.equal(unchanged.body.length, 0);
    assert.equal(await metric('vaultlet_file_endpoint_reads_total', { file: 'db.json', result: 'not_modified' }), 1);
    assert.equal((await curl(`${endpoint}/v1/files/nope.json`)).status, 404);
    assert.equal(await metric('vaultlet_file_endpoint_refused_total', { reason: 'not_found' }), 1);

    const first = JSON.parse(onDisk.toString('utf8')).username as string;
    await agent!.waitFor('a rotated credential', async () => JSON.parse(await readFile(file, 'utf8')).username !== first, 20_000);
    const rotated = await readFile(file);
    const after = await curl(`${endpoint}/v1/files/db.json`, [`If-None-Match: ${etag}`]);
    assert.equal(after.status, 200, 'the old ETag no longer matches');
    assert.ok(after.body.equals(rotated), 'the new bytes, as on disk');
    assert.notEqual(after.etag, etag);
    assert.equal(await metric('vaultlet_file_endpoint_reads_total', { file: 'db.json', result: 'ok' }), READS + 1);
    assert.equal(await metric('vaultlet_file_endpoint_reads_total', { file: 'db.json', result: 'not_modified' }), 1);
    const text = await agent!.metrics();
    assert.ok(!text.includes(JSON.parse(rotated.toString('utf8')).password), 'no value in the metrics');
  });

  it('sees an app read of the file on disk by another process (atime)', async function () {
    if (!(await readsUpdateAtime(vault.secretsDir))) {
      // A noatime mount: reads leave no trace, so the agent rightly reports nothing to check here.
      this.test!.title += ` (skipped: ${vault.secretsDir} is on a noatime mount)`;
      this.skip();
    }
    await startAgent();
    const labels = { file: 'config.json' };
    await agent!.waitFor('the tracker to know the file', async () => (await metric('vaultlet_secret_app_read', labels)) === 0, 5_000);
    const status = async () =>
      ((await (await fetch(`${agent!.metricsUrl}/status.json`)).json()) as { files: Array<{ file: string; accessTracked: boolean; appReadAt: number | null; versionWrittenAt: number | null }> }).files.find(
        (f) => f.file === 'config.json',
      )!;
    const before = await status();
    assert.equal(before.accessTracked, true);
    assert.equal(before.appReadAt, null);

    const cat = await runChild('cat', [join(vault.secretsDir, 'config.json')]);
    assert.equal(cat.code, 0);
    assert.equal(JSON.parse(cat.stdout.toString('utf8')).api_key, 'demo-kv-secret-1');
    // The agent looks at atime every 5 s.
    await agent!.waitFor('the app read to show', async () => (await metric('vaultlet_secret_app_read', labels)) === 1, 8_000);
    const delay = await metric('vaultlet_secret_app_read_delay_seconds', labels);
    assert.ok(delay !== undefined && delay >= 0 && delay < 30, `read delay ${delay}`);
    assert.equal(await metric('vaultlet_secret_unread_seconds', labels), 0);
    const after = await status();
    assert.ok(after.appReadAt !== null && after.versionWrittenAt !== null && after.appReadAt > after.versionWrittenAt);
    // The other file, read by nobody but the agent itself, stays unread: its own reads do not count.
    assert.equal(await metric('vaultlet_secret_app_read', { file: 'db.json' }), 0);
  });
});
