import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** A stand-in for the app: a real process with a unique name that logs every SIGHUP it gets. */
export interface NamedProcess {
  /** Its /proc/<pid>/comm, at most 15 characters, so a signal action can find it by name. */
  readonly name: string;
  readonly pid: number;
  /** How many SIGHUPs it has received so far. */
  hangups(): Promise<number>;
  stop(): Promise<void>;
}

/**
 * Copies /bin/sh under a unique name into `directory` and runs a script that traps SIGHUP and
 * appends a line to a marker file; resolves once the trap is installed.
 */
export async function startNamedProcess(directory: string): Promise<NamedProcess> {
  const name = `vlt-${randomBytes(4).toString('hex')}`;
  const program = join(directory, name);
  await copyFile('/bin/sh', program);
  const marker = join(directory, `${name}.hup`);
  const ready = join(directory, `${name}.ready`);
  // `sleep` runs as its own process; the trap fires when it returns, within 0.1 s.
  const script = `trap 'echo hup >> "$1"' HUP; : > "$2"; while :; do sleep 0.1; done`;
  const child: ChildProcess = spawn(program, ['-c', script, name, marker, ready], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 5_000;
  while (!(await readFile(ready).then(() => true, () => false))) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`the named process ${name} did not start`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return {
    name,
    pid: child.pid!,
    async hangups() {
      const text = await readFile(marker, 'utf8').catch(() => '');
      return text.split('\n').filter((line) => line === 'hup').length;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
