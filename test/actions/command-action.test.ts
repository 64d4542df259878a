import assert from 'node:assert/strict';
import { existsSync, promises as fs, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'mocha';
import type { CommandAction } from '../../src/actions/action.js';
import { runCommand } from '../../src/actions/command-action.js';
import { eventually, makeTempDir } from '../watch/helpers.js';

/**
 * Whether `pid` still runs. A zombie counts as gone: it has exited, and its reaper (pid 1, for an
 * orphaned grandchild) may take a while to collect it.
 */
function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

describe('runCommand', () => {
  let dir: string;
  const cancel = new AbortController().signal;
  const sh = (script: string, timeoutMs = 2000): CommandAction => ({ kind: 'command', argv: ['/bin/sh', '-c', script, 'reload'], timeoutMs });

  beforeEach(async () => {
    dir = await makeTempDir('actions-command');
  });
  afterEach(() => fs.rm(dir, { recursive: true, force: true }));

  it('runs argv with VAULTLET_CHANGED_FILES and the agent environment; exit 0 is success', async () => {
    const out = path.join(dir, 'seen');
    const outcome = await runCommand(sh(`printf '%s|%s' "$VAULTLET_CHANGED_FILES" "$PATH" > '${out}'`), ['/out/a.json', '/out/b.env'], cancel);
    assert.deepEqual(outcome, { result: 'success', detail: { exitCode: 0 } });
    assert.equal(await fs.readFile(out, 'utf8'), `/out/a.json /out/b.env|${process.env.PATH}`);
  });

  it('passes arguments verbatim, with no shell in between', async () => {
    const out = path.join(dir, 'args');
    const outcome = await runCommand({ kind: 'command', argv: ['/bin/sh', '-c', `printf '%s\\n' "$@" > '${out}'`, 'sh', '$HOME', 'a b', ';rm -rf x'], timeoutMs: 2000 }, [], cancel);
    assert.equal(outcome.result, 'success');
    assert.equal(await fs.readFile(out, 'utf8'), '$HOME\na b\n;rm -rf x\n');
  });

  it('reports a non-zero exit as failure with the exit code', async () => {
    assert.deepEqual(await runCommand(sh('exit 3'), [], cancel), { result: 'failure', detail: { exitCode: 3 } });
  });

  it('reports a missing program as failure with ENOENT', async () => {
    const outcome = await runCommand({ kind: 'command', argv: [path.join(dir, 'no-such-program')], timeoutMs: 2000 }, [], cancel);
    assert.deepEqual(outcome, { result: 'failure', detail: { code: 'ENOENT' } });
  });

  it('stops a command that runs past its timeout, and its children with it', async () => {
    const pids = path.join(dir, 'pids');
    const started = Date.now();
    const outcome = await runCommand(sh(`sleep 30 & echo $! > '${pids}'; echo $$ >> '${pids}'; wait`, 200), [], cancel);
    assert.equal(outcome.result, 'timeout');
    assert.equal(outcome.detail.signal, 'SIGTERM');
    assert.ok(Date.now() - started < 1500, 'SIGTERM was enough');
    const [sleeper, shell] = (await fs.readFile(pids, 'utf8')).trim().split('\n').map(Number);
    await eventually('the command and its sleep to be gone', () => !isAlive(shell!) && !isAlive(sleeper!));
  });

  it('kills a command that ignores SIGTERM after the grace period', async () => {
    const pidFile = path.join(dir, 'pid');
    const started = Date.now();
    const outcome = await runCommand(sh(`trap '' TERM; echo $$ > '${pidFile}'; while :; do sleep 0.05; done`, 200), [], cancel);
    assert.equal(outcome.result, 'timeout');
    assert.equal(outcome.detail.signal, 'SIGKILL');
    assert.ok(Date.now() - started >= 2000, 'waited the grace period');
    assert.equal(isAlive(Number(await fs.readFile(pidFile, 'utf8'))), false);
  });

  it('fails as cancelled, and stops the command, when shutdown aborts it', async () => {
    const pidFile = path.join(dir, 'pid');
    const controller = new AbortController();
    const running = runCommand(sh(`echo $$ > '${pidFile}'; exec sleep 30`), [], controller.signal);
    await eventually('the command to start', () => existsSync(pidFile));
    controller.abort();
    const outcome = await running;
    assert.equal(outcome.result, 'failure');
    assert.equal(outcome.detail.reason, 'cancelled');
    assert.equal(isAlive(Number(await fs.readFile(pidFile, 'utf8'))), false);
  });
});
