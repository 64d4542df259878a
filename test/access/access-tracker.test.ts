import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { AccessTracker, LATE_LOOK_MS, RECENT_VERSION_MS } from '../../src/access/access-tracker.js';
import { readsUpdateAtime } from '../../src/access/atime-support.js';
import { AtomicFileSink } from '../../src/render/atomic-file-sink.js';

const run = promisify(execFile);
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('access/AccessTracker (real files, reads by another process)', () => {
  let dir: string;
  let tracker: AccessTracker;
  let sink: AtomicFileSink;

  before(async function () {
    dir = await mkdtemp(join(tmpdir(), 'vaultlet-access-'));
    if (!(await readsUpdateAtime(dir))) throw new Error(`${dir} is on a noatime mount: these tests need relatime or strictatime`);
  });
  after(() => rm(dir, { recursive: true, force: true }));
  beforeEach(() => {
    tracker = new AccessTracker();
    tracker.enable(true);
    sink = new AtomicFileSink({ directory: dir, file: 'db.json', mode: 0o400 });
  });

  it('sees no read right after a write, then the first read by another process', async () => {
    await sink.write(Buffer.from('{"password":"v1"}'));
    await tracker.written('db', sink.path);
    tracker.refresh();
    const written = tracker.access('db');
    assert.ok(written && written.readAt === undefined, 'unread right after the write');
    await pause(20);
    await run('cat', [sink.path]);
    tracker.refresh();
    const read = tracker.access('db');
    assert.ok(read?.readAt !== undefined && read.readAt > read.writtenAt, 'the cat was seen');
  });

  it('looks at a version unread for over RECENT_VERSION_MS once a LATE_LOOK_MS, and records the read time from atime', async () => {
    // Bytes no other test writes: the sink leaves a file with the same bytes (and atime) alone.
    await sink.write(Buffer.from('{"password":"late"}'));
    await tracker.written('db', sink.path);
    const writtenAt = tracker.access('db')!.writtenAt;
    const late = writtenAt + RECENT_VERSION_MS + 1000;
    tracker.refresh(late);
    await pause(20);
    await run('cat', [sink.path]);
    tracker.refresh(late + LATE_LOOK_MS - 1);
    assert.equal(tracker.access('db')?.readAt, undefined, 'looked again before LATE_LOOK_MS had passed');
    tracker.refresh(late + LATE_LOOK_MS);
    const read = tracker.access('db');
    assert.ok(read?.readAt !== undefined && read.readAt > writtenAt && read.readAt < Date.now() + 1, 'the read, at the time atime says');
  });

  it('a new version starts unread again', async () => {
    await sink.write(Buffer.from('{"password":"v1"}'));
    await tracker.written('db', sink.path);
    await pause(20);
    await run('cat', [sink.path]);
    tracker.refresh();
    assert.ok(tracker.access('db')?.readAt);
    await pause(20);
    await sink.write(Buffer.from('{"password":"v2"}'));
    await tracker.written('db', sink.path);
    tracker.refresh();
    assert.equal(tracker.access('db')?.readAt, undefined);
  });

  it('counts the wait from the oldest unread version, so a file rewritten often and never read keeps waiting', async () => {
    await sink.write(Buffer.from('{"password":"u1"}'));
    await tracker.written('db', sink.path);
    const first = tracker.access('db')!;
    assert.equal(first.unreadSince, first.writtenAt);
    await pause(20);
    await sink.write(Buffer.from('{"password":"u2"}'));
    await tracker.written('db', sink.path);
    await pause(20);
    await sink.write(Buffer.from('{"password":"u3"}'));
    await tracker.written('db', sink.path);
    tracker.refresh();
    const third = tracker.access('db')!;
    assert.ok(third.writtenAt > first.writtenAt, 'a newer version');
    assert.equal(third.unreadSince, first.writtenAt, 'still waiting since the first unread version');
    // The app reads the current version: the wait is over, and the next version counts from its own write.
    await pause(20);
    await run('cat', [sink.path]);
    tracker.refresh();
    assert.ok(tracker.access('db')!.readAt !== undefined);
    await pause(20);
    await sink.write(Buffer.from('{"password":"u4"}'));
    await tracker.written('db', sink.path);
    const fourth = tracker.access('db')!;
    assert.equal(fourth.unreadSince, fourth.writtenAt);
  });

  it("vaultlet's own byte comparison (a fresh sink reading the file) does not count as the app", async () => {
    await sink.write(Buffer.from('{"password":"v1"}'));
    await tracker.written('db', sink.path);
    await pause(20);
    const fresh = new AtomicFileSink({ directory: dir, file: 'db.json', mode: 0o400 });
    assert.deepEqual(await fresh.write(Buffer.from('{"password":"v1"}')), { changed: false });
    tracker.refresh();
    assert.equal(tracker.access('db')?.readAt, undefined);
  });

  it('tracks nothing while disabled (noatime mounts)', async () => {
    tracker.enable(false);
    await sink.write(Buffer.from('{"password":"v1"}'));
    await tracker.written('db', sink.path);
    assert.equal(tracker.access('db'), undefined);
  });
});

describe('access/readsUpdateAtime', () => {
  it('is true for this machine\'s relatime /tmp and /dev/shm', async () => {
    assert.equal(await readsUpdateAtime(tmpdir()), true);
    assert.equal(await readsUpdateAtime('/dev/shm'), true);
  });
});
