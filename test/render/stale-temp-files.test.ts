import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../src/log.js';
import { removeStaleTempFiles } from '../../src/render/stale-temp-files.js';

describe('render/removeStaleTempFiles', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vaultlet-stale-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('removes our leftover temp files and nothing else', async () => {
    await writeFile(join(dir, 'db.json'), '{}');
    await writeFile(join(dir, '.db.json.tmp-a1b2c3'), '{"user');
    await writeFile(join(dir, '.config.env.tmp-ffffff'), 'API_');
    await writeFile(join(dir, '.other.tmp-123'), 'not ours');
    await writeFile(join(dir, 'notes.txt'), 'app file');
    await mkdir(join(dir, '.db.json.tmp-dir'));
    await symlink('/etc/hostname', join(dir, '.db.json.tmp-link'));
    const removed = await removeStaleTempFiles(dir, ['db.json', 'config.env'], silentLogger());
    assert.equal(removed, 2);
    assert.deepEqual((await readdir(dir)).sort(), ['.db.json.tmp-dir', '.db.json.tmp-link', '.other.tmp-123', 'db.json', 'notes.txt']);
  });

  it('is quiet about a missing directory', async () => {
    assert.equal(await removeStaleTempFiles(join(dir, 'missing'), ['db.json'], silentLogger()), 0);
  });
});
