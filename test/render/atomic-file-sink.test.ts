import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, it } from 'mocha';
import { SinkError, UnsafePathError } from '../../src/errors.js';
import { AtomicFileSink } from '../../src/render/index.js';
import { rejectedBy, thrownBy } from './helpers.js';
import { runSinkChild } from './run-child.js';

const isRoot = process.getuid?.() === 0;
const modeOf = async (file: string) => (await fs.lstat(file)).mode & 0o7777;
const identity = async (file: string) => {
  const { ino, mtimeNs, ctimeNs } = await fs.lstat(file, { bigint: true });
  return { ino, mtimeNs, ctimeNs };
};

async function withUmask<T>(umask: number, run: () => Promise<T>): Promise<T> {
  const previous = process.umask(umask);
  try {
    return await run();
  } finally {
    process.umask(previous);
  }
}

describe('AtomicFileSink', () => {
  let dir: string;
  let target: string;
  const sinkFor = (mode = 0o400, file = 'secret.json') => new AtomicFileSink({ directory: dir, file, mode });

  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(tmpdir(), 'vaultlet-sink-'));
    target = path.join(dir, 'secret.json');
  });
  afterEach(() => fs.rm(dir, { recursive: true, force: true }));

  it('exposes the absolute target path', () => {
    const relative = path.relative(process.cwd(), dir);
    assert.equal(new AtomicFileSink({ directory: relative, file: 'a.env', mode: 0o400 }).path, path.join(dir, 'a.env'));
  });

  for (const [mode, umask] of [[0o400, 0o277], [0o400, 0o000], [0o440, 0o277], [0o440, 0o022], [0o640, 0o077]] as const) {
    it(`creates the file with mode ${mode.toString(8)} under umask ${umask.toString(8).padStart(3, '0')}`, async () => {
      const result = await withUmask(umask, () => sinkFor(mode).write(Buffer.from('{"a":1}\n')));
      assert.deepEqual(result, { changed: true, created: true }, 'a new file says so: no app can have read an older version');
      assert.equal(await modeOf(target), mode);
      assert.equal(await fs.readFile(target, 'utf8'), '{"a":1}\n');
      assert.deepEqual(await fs.readdir(dir), ['secret.json']);
    });
  }

  it('leaves the file untouched when the bytes are unchanged', async () => {
    const sink = sinkFor();
    await sink.write(Buffer.from('same'));
    const before = await identity(target);
    await sleep(20); // past the filesystem clock tick, so any touch would move mtime/ctime
    assert.deepEqual(await sink.write(Buffer.from('same')), { changed: false });
    assert.deepEqual(await identity(target), before);
  });

  it('recognises identical bytes written by an earlier process, without rewriting', async () => {
    await sinkFor().write(Buffer.from('same'));
    const before = await identity(target);
    await sleep(20);
    assert.deepEqual(await sinkFor().write(Buffer.from('same')), { changed: false });
    assert.deepEqual(await identity(target), before);
  });

  it('replaces changed bytes with a new inode and leaves no temp file', async () => {
    const sink = sinkFor();
    await sink.write(Buffer.from('old'));
    const before = await identity(target);
    assert.deepEqual(await sink.write(Buffer.from('new and longer')), { changed: true });
    assert.notEqual((await identity(target)).ino, before.ino);
    assert.equal(await fs.readFile(target, 'utf8'), 'new and longer');
    assert.deepEqual(await fs.readdir(dir), ['secret.json']);
  });

  it('rewrites identical bytes when the file on disk has the wrong mode', async () => {
    await fs.writeFile(target, 'same', { mode: 0o644 });
    await fs.chmod(target, 0o644);
    assert.deepEqual(await sinkFor(0o400).write(Buffer.from('same')), { changed: true });
    assert.equal(await modeOf(target), 0o400);
  });

  it('notices an in-place edit that kept size, inode and mtime, and restores the content', async () => {
    const sink = sinkFor();
    await sink.write(Buffer.from('original'));
    const before = await identity(target);
    const reference = path.join(dir, 'timestamps');
    await fs.writeFile(reference, '');
    execFileSync('touch', ['-r', target, reference]); // touch -r copies timestamps to the nanosecond
    await sleep(20); // the edit must land after the filesystem clock tick of our write
    await fs.writeFile(target, 'tampered'); // same length, same inode
    execFileSync('touch', ['-r', reference, target]);
    await fs.rm(reference);
    const after = await identity(target);
    assert.deepEqual([after.ino, after.mtimeNs], [before.ino, before.mtimeNs], 'the edit hid itself');
    assert.deepEqual(await sink.write(Buffer.from('original')), { changed: true });
    assert.equal(await fs.readFile(target, 'utf8'), 'original');
  });

  it('refuses a symlink planted at the target and leaves the link target untouched', async () => {
    const victim = path.join(dir, 'victim');
    await fs.writeFile(victim, 'do not touch');
    await fs.symlink(victim, target);
    const error = await rejectedBy(UnsafePathError, sinkFor().write(Buffer.from('secret-bytes')));
    assert.equal(error.file, target);
    assert.equal(await fs.readFile(victim, 'utf8'), 'do not touch');
    assert.ok((await fs.lstat(target)).isSymbolicLink());
    assert.deepEqual((await fs.readdir(dir)).sort(), ['secret.json', 'victim']);
  });

  it('refuses a dangling symlink and creates nothing where it points', async () => {
    const pointsTo = path.join(dir, 'created-through-link');
    await fs.symlink(pointsTo, target);
    await rejectedBy(UnsafePathError, sinkFor().write(Buffer.from('x')));
    await assert.rejects(fs.lstat(pointsTo), { code: 'ENOENT' });
  });

  it('refuses a target that is a directory', async () => {
    await fs.mkdir(target);
    const error = await rejectedBy(UnsafePathError, sinkFor().write(Buffer.from('x')));
    assert.match(error.message, /not a regular file/);
    assert.ok((await fs.lstat(target)).isDirectory());
  });

  it('rejects unsafe file names and modes when constructed', () => {
    for (const file of ['', '..', 'a/b', '.hidden', 'x\0y']) {
      thrownBy(UnsafePathError, () => new AtomicFileSink({ directory: dir, file, mode: 0o400 }));
    }
    for (const mode of [-1, 0o1000, 0o4755, 1.5]) {
      thrownBy(SinkError, () => new AtomicFileSink({ directory: dir, file: 'ok', mode }));
    }
  });

  it('keeps the old file and removes the temp file when writing fails (file size limit, EFBIG)', async () => {
    await fs.chmod(dir, 0o755);
    const old = Buffer.from('old content');
    const tooBig = Buffer.from(`TOPSECRET-${'x'.repeat(8192)}`);
    const results = await runSinkChild(
      ['write', dir, 'secret.json', '400', old.toString('base64'), tooBig.toString('base64')],
      { fileSizeBlocks: 4 }, // 2 KiB
    );
    assert.deepEqual(results[0], { changed: true, created: true });
    const error = results[1]?.error;
    assert.equal(error?.code, 'VAULTLET_SINK');
    assert.equal(error.message, `${target}: writing the temporary file failed: file is larger than the process may write (EFBIG)`);
    assert.ok(!error.message.includes('TOPSECRET'));
    assert.equal(await fs.readFile(target, 'utf8'), 'old content');
    assert.equal(await modeOf(target), 0o400);
    assert.deepEqual(await fs.readdir(dir), ['secret.json']);
  });

  it('keeps the old file when the directory is not writable (as an unprivileged user)', async () => {
    await fs.writeFile(target, 'old content', { mode: 0o444 });
    await fs.chmod(dir, 0o555);
    const uid = isRoot ? 65534 : undefined; // root ignores permission bits
    const [result] = await runSinkChild(['write', dir, 'secret.json', '444', Buffer.from('new').toString('base64')], { uid });
    assert.equal(result?.error?.code, 'VAULTLET_SINK');
    assert.match(result.error.message, /creating the temporary file failed: output directory is not writable \(EACCES\)/);
    assert.equal(await fs.readFile(target, 'utf8'), 'old content');
    assert.deepEqual(await fs.readdir(dir), ['secret.json']);
  });

  it('reports a missing output directory', async () => {
    const sink = sinkFor();
    await fs.rm(dir, { recursive: true });
    const error = await rejectedBy(SinkError, sink.write(Buffer.from('x')));
    assert.match(error.message, /output directory is missing \(ENOENT\)/);
  });

  it('reports an output directory that was replaced by a file', async () => {
    const sink = sinkFor();
    await fs.rm(dir, { recursive: true });
    await fs.writeFile(dir, 'not a directory');
    const error = await rejectedBy(SinkError, sink.write(Buffer.from('x')));
    assert.match(error.message, /output directory is not a directory \(ENOTDIR\)/);
    assert.equal(await fs.readFile(dir, 'utf8'), 'not a directory');
  });

  it('serialises concurrent writes on one sink: every write completes, the last one wins', async () => {
    const sink = sinkFor();
    const payloads = Array.from({ length: 8 }, (_, i) => Buffer.alloc(256 * 1024, 65 + i));
    const results = await Promise.all(payloads.map((bytes) => sink.write(bytes)));
    assert.deepEqual(results, payloads.map((_, i) => (i === 0 ? { changed: true, created: true } : { changed: true })));
    assert.deepEqual(await fs.readFile(target), payloads.at(-1));
    assert.deepEqual(await fs.readdir(dir), ['secret.json']);
  });

  it('two sinks racing on one file leave one complete content, never a mix', async () => {
    const a = Buffer.alloc(1024 * 1024, 'a');
    const b = Buffer.alloc(1024 * 1024, 'b');
    await Promise.all([sinkFor().write(a), sinkFor().write(b)]);
    const onDisk = await fs.readFile(target);
    assert.ok(onDisk.equals(a) || onDisk.equals(b), 'content is one of the two writes, complete');
    assert.deepEqual(await fs.readdir(dir), ['secret.json']);
  });

  it('keeps working after a failed write', async () => {
    const sink = sinkFor();
    await fs.mkdir(target);
    await rejectedBy(UnsafePathError, sink.write(Buffer.from('x')));
    await fs.rmdir(target);
    assert.deepEqual(await sink.write(Buffer.from('y')), { changed: true, created: true });
  });

  it('sets the owner when uid and gid are given', async function () {
    if (!isRoot) this.skip();
    const sink = new AtomicFileSink({ directory: dir, file: 'owned', mode: 0o400, uid: 65534, gid: 65534 });
    await sink.write(randomBytes(32));
    const stats = await fs.stat(path.join(dir, 'owned'));
    assert.deepEqual([stats.uid, stats.gid, stats.mode & 0o777], [65534, 65534, 0o400]);
    assert.deepEqual(await sink.write(await fs.readFile(path.join(dir, 'owned'))), { changed: false });
    await fs.chown(path.join(dir, 'owned'), 0, 0);
    assert.deepEqual(await sink.write(await fs.readFile(path.join(dir, 'owned'))), { changed: true });
    assert.equal((await fs.stat(path.join(dir, 'owned'))).uid, 65534);
  });

  it('remove() deletes the file, tolerates a missing one, and leaves symlinks alone', async () => {
    const sink = sinkFor();
    await sink.write(Buffer.from('x'));
    await sink.remove();
    assert.deepEqual(await fs.readdir(dir), []);
    await sink.remove();
    await fs.symlink('/etc/hostname', target);
    await sink.remove();
    assert.ok((await fs.lstat(target)).isSymbolicLink());
    await fs.unlink(target);
    assert.deepEqual(await sink.write(Buffer.from('x')), { changed: true, created: true });
  });
});
