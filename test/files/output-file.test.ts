import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FileConfig } from '../../src/config/index.js';
import { RenderError, SinkError } from '../../src/errors.js';
import type { FileRenderer } from '../../src/files/file-renderer.js';
import { OutputFile } from '../../src/files/output-file.js';
import type { Lease } from '../../src/lease/lease.js';

const config: FileConfig = { file: 'app.conf', secrets: ['app'], render: { format: 'raw', field: 'v' }, mode: 0o640, onChange: [], key: 'secrets[0]' };
const inputs = (v: unknown) => new Map<string, Lease>([['app', { id: '', ttlMs: 0, renewable: false, obtainedAt: 0, data: { v } }]]);

/** Writes the field `v`; refuses (as a RenderError) when it is missing. */
const renderV: FileRenderer = (data) => {
  const v = data.get('app')!.data['v'];
  if (v === undefined) throw new RenderError('secret "app": field "v" is not in the data');
  return Buffer.from(String(v));
};

describe('files/OutputFile', () => {
  let dir: string;
  let clock: number;
  const now = () => clock;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vaultlet-output-file-'));
    clock = 1_000;
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes with the configured mode and reports created, then changed, then unchanged', async () => {
    const file = new OutputFile(config, dir, renderV, now);
    assert.equal(file.path, join(dir, 'app.conf'));
    assert.equal(file.written, false);
    assert.deepEqual(file.status(), { file: 'app.conf', path: file.path, secrets: ['app'], format: 'raw', trackReads: true, upToDate: false });

    assert.deepEqual(await file.publish(inputs('one')), { outcome: 'written', changed: true, created: true });
    assert.equal(await readFile(file.path, 'utf8'), 'one');
    assert.equal((await stat(file.path)).mode & 0o777, 0o640);
    clock = 2_000;
    assert.deepEqual(await file.publish(inputs('two')), { outcome: 'written', changed: true, created: false });
    clock = 3_000;
    assert.deepEqual(await file.publish(inputs('two')), { outcome: 'written', changed: false, created: false });
    assert.equal(file.written, true);
    assert.deepEqual(file.status(), { file: 'app.conf', path: file.path, secrets: ['app'], format: 'raw', trackReads: true, upToDate: true, lastWriteAt: 2_000 });
  });

  it('keeps a render failure to itself: the old file stays and the status says why', async () => {
    const file = new OutputFile(config, dir, renderV, now);
    await file.publish(inputs('one'));
    const result = await file.publish(inputs(undefined));
    assert.equal(result.outcome, 'render-failed');
    assert.equal(await readFile(file.path, 'utf8'), 'one');
    assert.equal(file.status().upToDate, false);
    assert.equal(file.status().lastError, 'secret "app": field "v" is not in the data');
    assert.equal(file.written, true);
    await file.publish(inputs('two'));
    assert.equal(file.status().upToDate, true);
    assert.equal(file.status().lastError, undefined);
  });

  it('throws a write failure and keeps a value-free description', async () => {
    await mkdir(join(dir, 'app.conf'));
    const file = new OutputFile(config, dir, renderV, now);
    await assert.rejects(file.publish(inputs('hunter2')), SinkError);
    const status = file.status();
    assert.equal(status.upToDate, false);
    assert.match(status.lastError ?? '', /not a regular file/);
    assert.doesNotMatch(status.lastError ?? '', /hunter2/);
    assert.equal(file.written, false);
  });

  it('lets errors that are not render errors through', async () => {
    const file = new OutputFile(config, dir, () => {
      throw new TypeError('bug');
    }, now);
    await assert.rejects(file.publish(inputs('x')), TypeError);
  });

  it('keeps the bytes on disk for the read endpoint only when asked', async () => {
    const plain = new OutputFile(config, dir, renderV, now);
    await plain.publish(inputs('one'));
    assert.equal(plain.current(), undefined);

    const kept = new OutputFile({ ...config, file: 'kept' }, dir, renderV, now, true);
    assert.equal(kept.current(), undefined);
    await kept.publish(inputs('one'));
    assert.deepEqual(kept.current(), { bytes: Buffer.from('one'), writtenAt: 1_000 });
    clock = 5_000;
    await kept.publish(inputs('one'));
    assert.equal(kept.current()!.writtenAt, 1_000, 'unchanged bytes are the same version');
    await kept.publish(inputs(undefined));
    assert.deepEqual(kept.current(), { bytes: Buffer.from('one'), writtenAt: 1_000 }, 'a failed render serves what is on disk');
    await kept.publish(inputs('two'));
    assert.deepEqual(kept.current(), { bytes: Buffer.from('two'), writtenAt: 5_000 });
  });

  it('counts a file found already right as written (a restarted agent)', async () => {
    const first = new OutputFile(config, dir, renderV, now, true);
    await first.publish(inputs('one'));
    clock = 9_000;
    const second = new OutputFile(config, dir, renderV, now, true);
    assert.deepEqual(await second.publish(inputs('one')), { outcome: 'written', changed: false, created: false });
    assert.equal(second.written, true);
    assert.equal(second.status().lastWriteAt, 9_000);
    assert.deepEqual(second.current(), { bytes: Buffer.from('one'), writtenAt: 9_000 });
  });

  it('carries the version on disk over to its replacement after a reload', async () => {
    const before = new OutputFile(config, dir, renderV, now, true);
    await before.publish(inputs('one'));
    const after = new OutputFile({ ...config, mode: 0o600 }, dir, renderV, now, true);
    after.continueFrom(before);
    assert.equal(after.written, true, 'the old version is still on disk for the app');
    assert.deepEqual(after.current(), { bytes: Buffer.from('one'), writtenAt: 1_000 });
    assert.equal(after.status().lastWriteAt, 1_000);
    assert.equal(after.status().upToDate, false, 'not up to date until written with its new config');
    clock = 2_000;
    assert.deepEqual(await after.publish(inputs('one')), { outcome: 'written', changed: true, created: false });
    assert.equal((await stat(after.path)).mode & 0o777, 0o600);
    assert.equal(after.status().upToDate, true);
  });
});
