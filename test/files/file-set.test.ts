import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { FileConfig, FileRender } from '../../src/config/index.js';
import { SinkError } from '../../src/errors.js';
import { FileSet, type FileSetOptions } from '../../src/files/file-set.js';
import type { OutputFile } from '../../src/files/output-file.js';
import type { Lease } from '../../src/lease/lease.js';
import { createLogger } from '../../src/log.js';
import { compileTemplate, type CompiledTemplate } from '../../src/render/template.js';

const PASSWORD = 'pw-hunter2';

const lease = (data: Record<string, unknown>): Lease => ({ id: '', ttlMs: 0, renewable: false, obtainedAt: 0, data });
const dbLease = (password = PASSWORD) => lease({ username: 'app', password });

function file(name: string, secrets: string[], render: FileRender, more: Partial<FileConfig> = {}): FileConfig {
  return { file: name, secrets, render, mode: 0o600, onChange: [], key: `files.${name}`, ...more };
}
const json = (name: string, secret = 'db', more: Partial<FileConfig> = {}) => file(name, [secret], { format: 'json' }, more);
const raw = (name: string, field: string, secret = 'db') => file(name, [secret], { format: 'raw', field });
const templated = (name: string, secrets: string[], text: string): [FileConfig, CompiledTemplate] => [
  file(name, secrets, { format: 'template', template: { name, inline: text } }),
  compileTemplate(name, text),
];

describe('files/FileSet', () => {
  let dir: string;
  let logLines: string[];
  let changes: Array<[string, boolean]>;
  let current: string[];

  const read = (name: string) => readFile(join(dir, name), 'utf8');
  const exists = (name: string) => stat(join(dir, name)).then(() => true, () => false);

  function fileSet(options: Partial<FileSetOptions> = {}): FileSet {
    const sink = new Writable({
      write(chunk, _encoding, done) {
        logLines.push(String(chunk));
        done();
      },
    });
    return new FileSet({
      directory: dir,
      logger: createLogger('debug', sink),
      onChanged: (changed: OutputFile, created: boolean) => changes.push([changed.name, created]),
      onCurrent: (written: OutputFile) => current.push(written.name),
      ...options,
    });
  }

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vaultlet-file-set-'));
    logLines = [];
    changes = [];
    current = [];
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes several files from one secret, each in its own format', async () => {
    const files = fileSet();
    files.configure([json('db.json'), raw('db-password', 'password'), file('db.env', ['db'], { format: 'env', envPrefix: 'DB_' })], new Map());
    assert.deepEqual(files.filesOf('db'), ['db.json', 'db-password', 'db.env']);
    assert.deepEqual(await files.publish('db', dbLease()), { changed: true });
    assert.deepEqual(JSON.parse(await read('db.json')), { username: 'app', password: PASSWORD });
    assert.equal(await read('db-password'), PASSWORD);
    assert.equal(await read('db.env'), `DB_USERNAME=app\nDB_PASSWORD=${PASSWORD}\n`);
    assert.equal((await stat(join(dir, 'db.json'))).mode & 0o777, 0o600);
    assert.deepEqual(files.notReady(), []);
    assert.deepEqual(await files.publish('db', dbLease()), { changed: false }, 'the same data changes nothing');
  });

  it('writes a file from two secrets only once both have data', async () => {
    const [config, template] = templated('dsn', ['db', 'app'], '{{secrets.db.data.username}}@{{secrets.app.data.host}}');
    const files = fileSet();
    files.configure([config, json('db.json')], new Map([['dsn', template]]));
    assert.deepEqual(files.notReady(), ['file "dsn": waiting for secret "db", "app"', 'file "db.json": waiting for secret "db"']);

    assert.deepEqual(await files.publish('db', dbLease()), { changed: true });
    assert.equal(await exists('dsn'), false);
    assert.deepEqual(files.notReady(), ['file "dsn": waiting for secret "app"']);
    assert.equal(files.get('dsn')!.status().upToDate, false);

    assert.deepEqual(await files.publish('app', lease({ host: 'db.internal' })), { changed: true });
    assert.equal(await read('dsn'), 'app@db.internal');
    assert.deepEqual(files.notReady(), []);
    assert.deepEqual(changes, [['db.json', true], ['dsn', true]]);

    await files.publish('app', lease({ host: 'db2.internal' }));
    assert.equal(await read('dsn'), 'app@db2.internal');
    assert.deepEqual(JSON.parse(await read('db.json')), { username: 'app', password: PASSWORD }, 'the other secret’s data is kept');
  });

  it('keeps a render error with its file: the others are written, and a later good publish clears it', async () => {
    const [config, template] = templated('app.conf', ['db'], 'user={{data.username}}\ntoken={{data.token}}\n');
    const files = fileSet();
    files.configure([json('db.json'), config, raw('db-token', 'token')], new Map([['app.conf', template]]));

    assert.deepEqual(await files.publish('db', dbLease()), { changed: true });
    assert.ok(await exists('db.json'));
    assert.equal(await exists('app.conf'), false);
    assert.equal(await exists('db-token'), false);
    assert.deepEqual(files.notReady(), [
      'file "app.conf": template "app.conf" line 2: "data.token" is not defined (strict mode; use lookup and default for optional keys)',
      'file "db-token": secret "db": field "token" is not in the data (available fields: username, password)',
    ]);
    const [, failed] = files.statuses();
    assert.equal(failed!.upToDate, false);
    assert.match(failed!.lastError ?? '', /"data\.token" is not defined/);
    assert.equal(files.get('db.json')!.status().upToDate, true);
    assert.ok(logLines.some((line) => line.includes('could not render the file')), 'a render failure is logged');
    assert.ok(!logLines.join('').includes(PASSWORD), 'no secret value in the logs');
    assert.ok(!files.notReady().join('').includes(PASSWORD), 'no secret value in readiness reasons');

    await files.publish('db', lease({ username: 'app', password: PASSWORD, token: 't-1' }));
    assert.equal(await read('app.conf'), 'user=app\ntoken=t-1\n');
    assert.equal(await read('db-token'), 't-1');
    assert.deepEqual(files.notReady(), []);
    assert.deepEqual(files.statuses().map((s) => [s.file, s.upToDate, s.lastError]), [
      ['db.json', true, undefined], ['app.conf', true, undefined], ['db-token', true, undefined],
    ]);
  });

  it('keeps a previously written file in place when a later render fails', async () => {
    const files = fileSet();
    files.configure([raw('db-token', 'token')], new Map());
    await files.publish('db', lease({ token: 't-1' }));
    await files.publish('db', lease({ other: 'x' }));
    assert.equal(await read('db-token'), 't-1');
    assert.equal(files.get('db-token')!.status().upToDate, false);
    assert.match(files.get('db-token')!.status().lastError ?? '', /field "token" is not in the data/);
  });

  it('tries every file before throwing a write failure', async () => {
    await mkdir(join(dir, 'a.json')); // a directory where the file should go
    const files = fileSet();
    files.configure([json('a.json'), json('b.json'), raw('c', 'password')], new Map());
    await assert.rejects(files.publish('db', dbLease()), (error: unknown) => {
      assert.ok(error instanceof SinkError);
      assert.match(error.message, /a\.json.*not a regular file/);
      assert.ok(!error.message.includes(PASSWORD));
      return true;
    });
    assert.deepEqual(JSON.parse(await read('b.json')), { username: 'app', password: PASSWORD });
    assert.equal(await read('c'), PASSWORD);
    assert.deepEqual(files.statuses().map((s) => s.upToDate), [false, true, true]);
    assert.match(files.get('a.json')!.status().lastError ?? '', /not a regular file/);
    assert.deepEqual(files.notReady(), [`file "a.json": ${files.get('a.json')!.status().lastError}`]);
  });

  it('refresh() puts back a file that was altered or deleted, and does nothing otherwise', async () => {
    const files = fileSet();
    files.configure([json('db.json'), json('app.json', 'app')], new Map());
    assert.equal(await files.refresh('db.json'), false, 'no data yet');
    await files.publish('db', dbLease());
    changes.length = 0;

    assert.equal(await files.refresh('db.json'), false, 'unchanged');
    await writeFile(join(dir, 'db.json'), '{"password":"forged"}');
    assert.equal(await files.refresh('db.json'), true);
    assert.deepEqual(JSON.parse(await read('db.json')), { username: 'app', password: PASSWORD });
    await unlink(join(dir, 'db.json'));
    assert.equal(await files.refresh('db.json'), true);
    assert.ok(await exists('db.json'));
    assert.deepEqual(changes, [['db.json', false], ['db.json', true]]);

    assert.equal(await files.refresh('app.json'), false, 'its secret has no data yet');
    assert.equal(await exists('app.json'), false);
    assert.equal(await files.refresh('nope.json'), false);
  });

  it('forget() drops a secret’s data so its files are not written again', async () => {
    const files = fileSet();
    files.configure([json('db.json')], new Map());
    await files.publish('db', dbLease());
    files.forget('db');
    await unlink(join(dir, 'db.json'));
    assert.equal(await files.refresh('db.json'), false);
    assert.equal(await exists('db.json'), false);
  });

  it('configure() keeps unchanged files, replaces changed ones and returns the dropped names', async () => {
    const files = fileSet({ keepBytes: true });
    const [config, template] = templated('t.conf', ['db'], 'u={{data.username}}');
    assert.deepEqual(files.configure([json('a.json'), json('b.json'), json('c.json'), config], new Map([['t.conf', template]])), []);
    await files.publish('db', dbLease());
    const [a, b, c, t] = ['a.json', 'b.json', 'c.json', 't.conf'].map((name) => files.get(name)!);

    const [sameTemplate, recompiled] = templated('t.conf', ['db'], 'u={{data.username}}');
    const dropped = files.configure(
      [{ ...json('a.json'), key: 'secrets[3]' }, json('c.json', 'db', { mode: 0o640 }), json('d.json'), sameTemplate],
      new Map([['t.conf', recompiled]]),
    );
    assert.deepEqual(dropped, ['b.json']);
    assert.deepEqual(files.all().map((f) => f.name), ['a.json', 'c.json', 't.conf', 'd.json']);
    assert.equal(files.get('a.json'), a, 'only its key moved: the same file');
    assert.notEqual(files.get('c.json'), c, 'its mode changed: a new file');
    assert.notEqual(files.get('t.conf'), t, 'its template was compiled again: a new file');
    assert.equal(files.get('b.json'), undefined);
    assert.notEqual(b, undefined);

    // Until refreshed, a replaced file still counts as written and serves the version on disk.
    assert.deepEqual(files.notReady(), ['file "d.json": not written yet']);
    assert.deepEqual(files.get('t.conf')!.current()?.bytes, Buffer.from('u=app'));
    assert.equal(await files.refresh('c.json'), true);
    assert.equal((await stat(join(dir, 'c.json'))).mode & 0o777, 0o640);
    assert.equal(await files.refresh('t.conf'), false, 'same bytes: not rewritten');
    assert.equal(await files.refresh('d.json'), true);
    assert.deepEqual(files.notReady(), []);
  });

  it('onChanged gets created=true for a new file and false for a replaced one; onCurrent for every current file', async () => {
    const files = fileSet();
    files.configure([json('db.json')], new Map());
    await files.publish('db', dbLease('one'));
    await files.publish('db', dbLease('two'));
    await files.publish('db', dbLease('two'));
    assert.deepEqual(changes, [['db.json', true], ['db.json', false]]);
    assert.deepEqual(current, ['db.json', 'db.json', 'db.json']);

    // A file already on disk from an earlier run is replaced, not created: the app may hold it.
    await writeFile(join(dir, 'old.json'), 'from the last run', { mode: 0o600 });
    files.configure([json('db.json'), json('old.json')], new Map());
    changes.length = 0;
    await files.refresh('old.json');
    assert.deepEqual(changes, [['old.json', false]]);
  });

  it('keeps the bytes for the read endpoint only with keepBytes', async () => {
    const without = fileSet();
    without.configure([json('db.json')], new Map());
    await without.publish('db', dbLease());
    assert.equal(without.get('db.json')!.current(), undefined);

    let clock = 42;
    const kept = fileSet({ keepBytes: true, now: () => clock });
    kept.configure([raw('db-password', 'password')], new Map());
    assert.equal(kept.get('db-password')!.current(), undefined);
    await kept.publish('db', dbLease());
    assert.deepEqual(kept.get('db-password')!.current(), { bytes: Buffer.from(PASSWORD), writtenAt: 42 });
    clock = 50;
    await kept.publish('db', dbLease('new'));
    assert.deepEqual(kept.get('db-password')!.current(), { bytes: Buffer.from('new'), writtenAt: 50 });
    assert.equal(kept.get('db-password')!.status().lastWriteAt, 50);
  });
});
