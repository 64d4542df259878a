import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'mocha';
import { SinkError, UnsafePathError } from '../../src/errors.js';
import { probeDirectory } from '../../src/render/index.js';
import { rejectedBy } from './helpers.js';
import { runSinkChild } from './run-child.js';

describe('probeDirectory', () => {
  let root: string;
  beforeEach(async () => {
    root = await fs.mkdtemp(path.join(tmpdir(), 'vaultlet-probe-'));
  });
  afterEach(() => fs.rm(root, { recursive: true, force: true }));

  it('accepts a writable directory and leaves nothing behind', async () => {
    await probeDirectory(root);
    assert.deepEqual(await fs.readdir(root), []);
  });

  it('fails on a missing directory', async () => {
    const missing = path.join(root, 'missing');
    const error = await rejectedBy(SinkError, probeDirectory(missing));
    assert.equal(error.message, `${missing}: output directory is missing (ENOENT)`);
  });

  it('fails on a file where the directory should be', async () => {
    const file = path.join(root, 'file');
    await fs.writeFile(file, 'x');
    const error = await rejectedBy(SinkError, probeDirectory(file));
    assert.match(error.message, /is not a directory/);
  });

  it('fails on a symlink to a directory and writes nothing through it', async () => {
    const real = path.join(root, 'real');
    const link = path.join(root, 'link');
    await fs.mkdir(real);
    await fs.symlink(real, link);
    const error = await rejectedBy(UnsafePathError, probeDirectory(link));
    assert.match(error.message, /symlink/);
    assert.deepEqual(await fs.readdir(real), []);
  });

  it('fails when the directory cannot be written (read-only for an unprivileged user)', async () => {
    // Root ignores permission bits, so the probe runs as `nobody` in a child process.
    await fs.chmod(root, 0o555);
    const uid = process.getuid?.() === 0 ? 65534 : undefined;
    const [result] = await runSinkChild(['probe', root], { uid });
    assert.equal(result?.error?.code, 'VAULTLET_SINK');
    assert.match(result.error.message, /test write to the output directory failed: output directory is not writable \(EACCES\)/);
    assert.deepEqual(await fs.readdir(root), []);
  });
});
