import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DirectorySync } from '../../src/render/directory-sync.js';

describe('DirectorySync', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vaultlet-dirsync-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writers arriving while a sync runs share the next one: 100 callers, at most two syncs', async () => {
    const sync = new DirectorySync(dir);
    const first = sync.sync();
    const rest = Array.from({ length: 99 }, () => sync.sync());
    assert.equal(new Set(rest).size, 1, 'every later caller waits for one and the same sync');
    assert.notEqual(rest[0], first, 'and not for the one already running, which may predate their renames');
    await Promise.all([first, ...rest]);
  });

  it('fails every writer sharing a sync that fails, and syncs again afterwards', async () => {
    const sync = new DirectorySync(join(dir, 'missing'));
    await assert.rejects(Promise.all([sync.sync(), sync.sync()]), /ENOENT/);
    const again = new DirectorySync(dir);
    await again.sync();
  });
});
