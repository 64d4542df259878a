import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'mocha';
import { silentLogger } from '../../src/log.js';
import { CredentialWatcher, type CredentialWatcherOptions } from '../../src/watch/credential-watcher.js';
import { capturedLogger, eventually, makeTempDir, sleep } from './helpers.js';

const QUIET_MS = 500;

/** Lays out a projected volume the way the kubelet's atomic writer does. */
async function projectVolume(dir: string, stamp: string, token: string): Promise<void> {
  await fs.mkdir(path.join(dir, stamp));
  await fs.writeFile(path.join(dir, stamp, 'token'), token);
  await fs.writeFile(path.join(dir, stamp, 'ca.crt'), 'ca');
  await fs.symlink(stamp, path.join(dir, '..data'));
  await fs.symlink('..data/token', path.join(dir, 'token'));
  await fs.symlink('..data/ca.crt', path.join(dir, 'ca.crt'));
}

/** The kubelet's update: new timestamped dir, `..data_tmp` symlink renamed over `..data`, old dir removed. */
async function rotate(dir: string, oldStamp: string, newStamp: string, token: string): Promise<void> {
  await fs.mkdir(path.join(dir, newStamp));
  await fs.writeFile(path.join(dir, newStamp, 'token'), token);
  await fs.writeFile(path.join(dir, newStamp, 'ca.crt'), 'ca');
  await fs.symlink(newStamp, path.join(dir, '..data_tmp'));
  await fs.rename(path.join(dir, '..data_tmp'), path.join(dir, '..data'));
  await fs.rm(path.join(dir, oldStamp), { recursive: true });
}

describe('CredentialWatcher', () => {
  let dir: string;
  let changes: number;
  let watcher: CredentialWatcher | undefined;

  async function startWatcher(extra: Partial<CredentialWatcherOptions> = {}): Promise<CredentialWatcher> {
    watcher = new CredentialWatcher({
      file: path.join(dir, 'token'),
      onChange: () => changes++,
      logger: silentLogger(),
      debounceMs: 50,
      ...extra,
    });
    await watcher.start();
    return watcher;
  }

  beforeEach(async () => {
    dir = await makeTempDir('watch-cred');
    changes = 0;
  });
  afterEach(async () => {
    await watcher?.close();
    watcher = undefined;
    await fs.rm(dir, { recursive: true, force: true });
  });

  describe('on a projected volume', () => {
    const first = '..2026_01_01_00_00_00.1';
    const second = '..2026_01_01_00_50_00.2';
    beforeEach(() => projectVolume(dir, first, 'eyJ-first-token'));

    it('fires once when the kubelet swaps ..data, and the token now reads as the new one', async () => {
      await startWatcher();
      await rotate(dir, first, second, 'eyJ-second-token');
      await eventually('onChange', () => changes > 0);
      await sleep(QUIET_MS);
      assert.equal(changes, 1);
      assert.equal(await fs.readFile(path.join(dir, 'token'), 'utf8'), 'eyJ-second-token');
    });

    it('fires again on the next rotation', async () => {
      await startWatcher();
      await rotate(dir, first, second, 'eyJ-second-token');
      await eventually('the first onChange', () => changes === 1);
      await sleep(200);
      await rotate(dir, second, '..2026_01_01_01_40_00.3', 'eyJ-third-token');
      await eventually('the second onChange', () => changes === 2);
    });

    it('fires nothing without a change, nor for other files in the volume', async () => {
      await startWatcher();
      await sleep(QUIET_MS);
      assert.equal(changes, 0);
      await fs.writeFile(path.join(dir, 'namespace'), 'default');
      await fs.unlink(path.join(dir, 'ca.crt'));
      await sleep(QUIET_MS);
      assert.equal(changes, 0);
    });

    it('never writes the token to its logs', async () => {
      const { logger, text } = capturedLogger();
      await startWatcher({ logger });
      await rotate(dir, first, second, 'eyJ-second-token');
      await eventually('onChange', () => changes > 0);
      assert.match(text(), /credential file changed/);
      assert.doesNotMatch(text(), /eyJ-/);
    });
  });

  describe('on a plain file', () => {
    beforeEach(() => fs.writeFile(path.join(dir, 'token'), 'first'));

    it('fires once when the file is rewritten in place', async () => {
      await startWatcher();
      await fs.writeFile(path.join(dir, 'token'), 'second');
      await eventually('onChange', () => changes > 0);
      await sleep(QUIET_MS);
      assert.equal(changes, 1);
    });

    it('fires when a new file is renamed over it', async () => {
      await startWatcher();
      await fs.writeFile(path.join(dir, '.token.new'), 'second');
      await fs.rename(path.join(dir, '.token.new'), path.join(dir, 'token'));
      await eventually('onChange', () => changes > 0);
    });

    it('fires when the file comes back after being deleted', async () => {
      await startWatcher();
      await fs.unlink(path.join(dir, 'token'));
      await sleep(200);
      assert.equal(changes, 0, 'deletion alone is not a change to log in with');
      await fs.writeFile(path.join(dir, 'token'), 'second');
      await eventually('onChange', () => changes > 0);
    });

    it('can be closed twice and calls nothing afterwards, not even a pending change', async () => {
      const w = await startWatcher({ debounceMs: 200 });
      await fs.writeFile(path.join(dir, 'token'), 'second');
      await sleep(80);
      await Promise.all([w.close(), w.close()]);
      await fs.writeFile(path.join(dir, 'token'), 'third');
      await sleep(QUIET_MS);
      assert.equal(changes, 0);
    });

    it('closes when its signal aborts', async () => {
      const controller = new AbortController();
      await startWatcher({ signal: controller.signal });
      controller.abort();
      await sleep(20);
      await fs.writeFile(path.join(dir, 'token'), 'second');
      await sleep(QUIET_MS);
      assert.equal(changes, 0);
    });
  });
});
