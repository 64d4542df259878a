import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDevServerArgs, runDevServerCommand } from '../../src/devserver/index.js';

describe('devserver command', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vaultlet-devserver-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('parses flags in both --flag value and --flag=value forms', () => {
    assert.deepEqual(parseDevServerArgs(['--port', '0', '--host=127.0.0.1', '--root-token', 't', '--seed=s.yaml']), {
      port: 0, host: '127.0.0.1', rootToken: 't', seed: 's.yaml',
    });
    assert.throws(() => parseDevServerArgs(['--port', 'x']), /--port/);
    assert.throws(() => parseDevServerArgs(['--nope']), /unknown argument/);
  });

  it('starts, applies a YAML seed with the root token, prints its URL and stops on abort', async () => {
    const seed = join(dir, 'seed.yaml');
    await writeFile(seed, [
      '- method: PUT',
      '  path: /v1/sys/policies/acl/app',
      '  body: { policy: "path \\"secret/data/app\\" { capabilities = [\\"read\\"] }" }',
      '- method: POST',
      '  path: secret/data/app',
      '  body: { data: { password: s3cret } }',
    ].join('\n'));
    const controller = new AbortController();
    const lines: string[] = [];
    const originalWrite = process.stdout.write.bind(process.stdout);
    let announced!: () => void;
    const listening = new Promise<void>((resolve) => (announced = resolve));
    process.stdout.write = ((chunk: string) => {
      lines.push(String(chunk));
      if (String(chunk).startsWith('dev server listening on')) announced();
      return true;
    }) as typeof process.stdout.write;
    let running: Promise<void>;
    try {
      running = runDevServerCommand(['--port', '0', '--root-token', 'seed-root', '--seed', seed], controller.signal);
      await listening;
    } finally {
      process.stdout.write = originalWrite;
    }
    const url = /dev server listening on (\S+)/.exec(lines.join(''))![1]!;
    const read = await fetch(`${url}/v1/secret/data/app`, { headers: { 'X-Vault-Token': 'seed-root' } });
    assert.deepEqual(((await read.json()) as { data: { data: unknown } }).data.data, { password: 's3cret' });
    const policy = await fetch(`${url}/v1/sys/policies/acl/app`, { headers: { 'X-Vault-Token': 'seed-root' } });
    assert.equal(policy.status, 200);
    controller.abort();
    await running;
    await assert.rejects(fetch(`${url}/v1/sys/health`));
  });

  it('fails with the step and status when a seed request is refused', async () => {
    const seed = join(dir, 'seed.json');
    await writeFile(seed, JSON.stringify([{ method: 'POST', path: 'database/creds/none' }]));
    await assert.rejects(runDevServerCommand(['--port', '0', '--seed', seed], new AbortController().signal), /seed step 0 .*HTTP 405/);
  });
});
