import assert from 'node:assert/strict';
import { chmod, lstat, mkdir, mkdtemp, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UnsafePathError } from '../../src/errors.js';
import { capturedLogger } from '../watch/helpers.js';
import { silentLogger } from '../../src/log.js';
import type { AgentState } from '../../src/state/agent-state.js';
import { preparePrivateDirectory } from '../../src/state/private-directory.js';
import { StateFile } from '../../src/state/state-file.js';

const STATE: AgentState = {
  version: 1,
  identity: '["http://vault:8200","kubernetes","app"]',
  token: { token: 'hvs.the-agent-token', ttlMs: 3_600_000, renewable: true, obtainedAt: 1, requestedTtlMs: 3_600_000, capped: false, owned: true },
  retired: {},
  secrets: {},
};

describe('the state directory (it holds the Vault token)', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'vaultlet-private-'));
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('is created 0700 and then used; a missing parent is not created (it is the operator\'s)', async () => {
    await assert.rejects(preparePrivateDirectory(join(root, 'missing', '.vaultlet')), /ENOENT/);
    assert.equal(await lstat(join(root, 'missing')).catch(() => undefined), undefined);
    const directory = join(root, '.vaultlet');
    await preparePrivateDirectory(directory);
    const stats = await lstat(directory);
    assert.ok(stats.isDirectory());
    assert.equal(stats.mode & 0o777, 0o700);
    const file = new StateFile(join(directory, 'state.json'), silentLogger());
    file.schedule(() => STATE);
    await file.flush();
    assert.equal((await stat(join(directory, 'state.json'))).mode & 0o777, 0o600);
  });

  it('is refused when a symlink sits at its name, and nothing is written where it points', async () => {
    const elsewhere = join(root, 'app-readable');
    await mkdir(elsewhere, { mode: 0o755 });
    await symlink(elsewhere, join(root, '.vaultlet'));
    const file = new StateFile(join(root, '.vaultlet', 'state.json'), silentLogger());
    await assert.rejects(file.prepare(), (error: unknown) => error instanceof UnsafePathError && /\.vaultlet: the state directory is a symlink; refusing to keep the Vault token there/.test(error.message));
    const { logger, text } = capturedLogger();
    const later = new StateFile(join(root, '.vaultlet', 'state.json'), logger);
    later.schedule(() => STATE);
    await later.flush();
    assert.deepEqual(await readdir(elsewhere), []);
    assert.match(text(), /refused to save the state file/);
    assert.ok(!text().includes('hvs.the-agent-token'));
  });

  it('is refused when open to group or others, or not a directory', async () => {
    const open = join(root, 'open');
    await mkdir(open);
    await chmod(open, 0o755);
    await assert.rejects(preparePrivateDirectory(open), /has mode 0755; it must be 0700/);
    const plain = join(root, 'plain');
    await writeFile(plain, 'x');
    await assert.rejects(preparePrivateDirectory(plain), /is not a directory/);
  });

  it('is refused when owned by another user', async function () {
    if (process.geteuid?.() !== 0) this.skip(); // only root can hand a directory to someone else
    const theirs = join(root, 'theirs');
    await mkdir(theirs, { mode: 0o700 });
    const { chown } = await import('node:fs/promises');
    await chown(theirs, 65534, 65534);
    await assert.rejects(preparePrivateDirectory(theirs), /is owned by uid 65534, not by the agent \(uid 0\)/);
  });

  it('a symlink planted at the state file itself is neither followed when reading nor replaced when writing', async () => {
    const directory = join(root, '.vaultlet');
    await preparePrivateDirectory(directory);
    const target = join(root, 'planted.json');
    await writeFile(target, JSON.stringify(STATE));
    await symlink(target, join(directory, 'state.json'));
    const file = new StateFile(join(directory, 'state.json'), silentLogger());
    assert.equal(await file.read(), undefined);
    file.schedule(() => STATE);
    await file.flush();
    assert.ok((await lstat(join(directory, 'state.json'))).isSymbolicLink());
  });
});
