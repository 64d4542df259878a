import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'mocha';
import type { SignalAction } from '../../src/actions/action.js';
import { signalProcesses } from '../../src/actions/signal-action.js';
import { eventually, makeTempDir, sleep } from '../watch/helpers.js';

const TRAP_SCRIPT = `trap 'echo hup >> "$MARK"' HUP; echo ready > "$READY"; while :; do sleep 0.05; done`;

const hup = (name: string): SignalAction => ({ kind: 'signal', process: name, signal: 'SIGHUP', timeoutMs: 2000 });

describe('signalProcesses', () => {
  let dir: string;
  const children: ChildProcess[] = [];
  const cancel = new AbortController().signal;

  /** Runs a copy of /bin/sh named `name` that appends to the returned marker on each SIGHUP. */
  async function startNamedApp(name: string, instance = 'a'): Promise<{ mark: string; child: ChildProcess }> {
    const program = path.join(dir, name);
    if (!existsSync(program)) await fs.copyFile('/bin/sh', program);
    await fs.chmod(program, 0o755);
    const mark = path.join(dir, `${instance}.hup`);
    const ready = path.join(dir, `${instance}.ready`);
    const child = spawn(program, ['-c', TRAP_SCRIPT], { env: { PATH: process.env.PATH, MARK: mark, READY: ready }, stdio: 'ignore' });
    children.push(child);
    await eventually(`${name} to install its trap`, () => existsSync(ready));
    return { mark, child };
  }

  beforeEach(async () => {
    dir = await makeTempDir('actions-signal');
  });
  afterEach(async () => {
    for (const child of children.splice(0)) child.kill('SIGKILL');
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('sends the signal to a process found by its comm, which traps it', async () => {
    const name = `vlt${randomBytes(4).toString('hex')}`;
    const { mark, child } = await startNamedApp(name);
    const outcome = await signalProcesses(hup(name), '/proc', cancel);
    assert.equal(outcome.result, 'success');
    assert.equal(outcome.detail.processes, 1);
    await eventually('the trap to write its marker', () => existsSync(mark));
    assert.equal(await fs.readFile(mark, 'utf8'), 'hup\n');
    assert.equal(child.exitCode, null, 'the app is still running: it trapped the signal');
  });

  it('finds a process whose name is longer than comm holds, by argv[0]', async () => {
    const name = `vaultlet-test-app-${randomBytes(4).toString('hex')}`;
    const { mark } = await startNamedApp(name);
    const outcome = await signalProcesses(hup(name), '/proc', cancel);
    assert.equal(outcome.result, 'success');
    await eventually('the trap to write its marker', () => existsSync(mark));
  });

  it('signals every process with the name', async () => {
    const name = `vlt${randomBytes(4).toString('hex')}`;
    const first = await startNamedApp(name, 'first');
    const second = await startNamedApp(name, 'second');
    const outcome = await signalProcesses(hup(name), '/proc', cancel);
    assert.equal(outcome.result, 'success');
    assert.equal(outcome.detail.processes, 2);
    await eventually('both markers', () => existsSync(first.mark) && existsSync(second.mark));
  });

  it('reports not_found with a hint about shareProcessNamespace when nothing has the name', async () => {
    const outcome = await signalProcesses(hup(`absent-${randomBytes(6).toString('hex')}`), '/proc', cancel);
    assert.equal(outcome.result, 'not_found');
    assert.match(String(outcome.detail.hint), /shareProcessNamespace/);
  });

  it('never signals itself, even when the name is its own', async () => {
    // A proc tree holding only our own pid: signalling by name in the real /proc would also hit
    // every other process called "node" on this machine.
    const procRoot = path.join(dir, 'proc');
    const self = path.join(procRoot, String(process.pid));
    await fs.mkdir(self, { recursive: true });
    await fs.copyFile('/proc/self/comm', path.join(self, 'comm'));
    await fs.copyFile('/proc/self/cmdline', path.join(self, 'cmdline'));
    const own = (await fs.readFile(path.join(self, 'comm'), 'utf8')).trim();
    let hups = 0;
    const onHup = () => hups++;
    process.on('SIGHUP', onHup);
    try {
      const outcome = await signalProcesses(hup(own), procRoot, cancel);
      await sleep(50);
      assert.equal(outcome.result, 'not_found');
      assert.equal(hups, 0);
    } finally {
      process.off('SIGHUP', onHup);
    }
  });

  it('fails, without throwing, when the proc root cannot be listed', async () => {
    const outcome = await signalProcesses(hup('nginx'), path.join(dir, 'missing'), cancel);
    assert.equal(outcome.result, 'failure');
    assert.equal(outcome.detail.code, 'ENOENT');
  });
});
