import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'mocha';
import { findProcessesByName } from '../../src/actions/find-processes.js';
import { makeTempDir } from '../watch/helpers.js';

/** A procfs look-alike: only comm and cmdline, as the kernel formats them. */
async function fakeProcess(procRoot: string, pid: number | string, comm: string, argv: string[]): Promise<void> {
  const dir = path.join(procRoot, String(pid));
  await fs.mkdir(dir);
  await fs.writeFile(path.join(dir, 'comm'), `${comm}\n`);
  await fs.writeFile(path.join(dir, 'cmdline'), argv.length ? `${argv.join('\0')}\0` : '');
}

describe('findProcessesByName', () => {
  let procRoot: string;
  const options = () => ({ procRoot, excludePids: new Set<number>() });

  beforeEach(async () => {
    procRoot = await makeTempDir('actions-proc');
  });
  afterEach(() => fs.rm(procRoot, { recursive: true, force: true }));

  it('matches comm exactly and argv[0] by base name', async () => {
    await fakeProcess(procRoot, 10, 'nginx', ['nginx: master process /usr/sbin/nginx -g daemon off;']);
    await fakeProcess(procRoot, 11, 'java', ['/opt/bin/java', '-jar', 'app.jar']);
    await fakeProcess(procRoot, 12, 'my-very-long-ap', ['/app/my-very-long-app-name']);
    await fakeProcess(procRoot, 13, 'nginx-exporter', ['/bin/nginx-exporter']);
    await fakeProcess(procRoot, 14, 'sh', ['sh', '-c', 'nginx']);
    assert.deepEqual(await findProcessesByName('nginx', options()), [10]);
    assert.deepEqual(await findProcessesByName('java', options()), [11]);
    assert.deepEqual(await findProcessesByName('my-very-long-app-name', options()), [12]);
  });

  it('does not match a truncated comm against a longer name', async () => {
    await fakeProcess(procRoot, 20, 'my-very-long-ap', ['/app/my-very-long-app-other']);
    assert.deepEqual(await findProcessesByName('my-very-long-app-name', options()), []);
  });

  it('skips excluded pids, non-pid entries, zombies without cmdline and half-gone processes', async () => {
    await fakeProcess(procRoot, 30, 'vaultlet', ['/usr/bin/vaultlet']);
    await fakeProcess(procRoot, 31, 'vaultlet', []);
    await fakeProcess(procRoot, 'self', 'vaultlet', ['/usr/bin/vaultlet']);
    await fs.mkdir(path.join(procRoot, '32'));
    const found = await findProcessesByName('vaultlet', { procRoot, excludePids: new Set([30]) });
    assert.deepEqual(found, [31]);
  });

  it('finds a real process in /proc and never our own', async () => {
    const own = await findProcessesByName(path.basename(process.argv0), { procRoot: '/proc', excludePids: new Set([process.pid]) });
    assert.ok(!own.includes(process.pid));
    const withSelf = await findProcessesByName((await fs.readFile('/proc/self/comm', 'utf8')).trim(), { procRoot: '/proc', excludePids: new Set() });
    assert.ok(withSelf.includes(process.pid), `pid ${process.pid} not in ${withSelf.join(',')}`);
  });

  it('stops when its signal fires', async () => {
    await fakeProcess(procRoot, 40, 'x', ['x']);
    await assert.rejects(findProcessesByName('x', { ...options(), signal: AbortSignal.abort() }), { name: 'AbortError' });
  });
});
