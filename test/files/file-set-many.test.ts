import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileSet } from '../../src/files/file-set.js';
import { silentLogger } from '../../src/log.js';

/** Ten thousand files: what is asked of the set at every event or probe must not grow with them. */
describe('FileSet with many files', () => {
  let dir: string;
  let files: FileSet;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vaultlet-many-'));
    files = new FileSet({ directory: dir, logger: silentLogger() });
    files.configure(
      Array.from({ length: 10_000 }, (_, i) => ({ file: `s${i}.json`, secrets: [`s${i}`], render: { format: 'json' as const }, mode: 0o600, onChange: [], key: `secrets[${i}]` })),
      new Map(),
    );
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('puts at most `limit` reasons into words and counts the rest', () => {
    const reasons = files.notReady(20);
    assert.equal(reasons.length, 20);
    assert.equal(reasons.more, 9_980);
    assert.equal(reasons[0], 'file "s0.json": waiting for secret "s0"');
  });

  it('keeps its names as one live set: the same object after any change, updated in place', () => {
    const names = files.names;
    assert.equal(names.size, 10_000);
    files.configure([{ file: 'only.json', secrets: ['only'], render: { format: 'json' }, mode: 0o600, onChange: [], key: 'secrets[0]' }], new Map());
    assert.equal(files.names, names);
    assert.deepEqual([...names], ['only.json']);
  });
});
