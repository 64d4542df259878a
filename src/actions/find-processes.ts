import { promises as fs } from 'node:fs';
import path from 'node:path';

export interface FindProcessesOptions {
  /** Where procfs is mounted; tests point this at a fake tree. */
  readonly procRoot: string;
  /** Never matched, e.g. our own pid: vaultlet must not signal itself. */
  readonly excludePids: ReadonlySet<number>;
  /** Stops the scan between processes (timeout or shutdown); the scan then rejects. */
  readonly signal?: AbortSignal;
}

/**
 * Pids whose /proc/<pid>/comm equals `name`, or whose argv[0] base name does. Both are needed:
 * comm is cut to 15 characters and is all an app that rewrites its argv keeps (nginx shows
 * "nginx: master process …" there), while argv[0] carries long names in full. Processes that
 * exit or hide during the scan are skipped.
 */
export async function findProcessesByName(name: string, options: FindProcessesOptions): Promise<number[]> {
  const entries = await fs.readdir(options.procRoot);
  const pids: number[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    options.signal?.throwIfAborted();
    const pid = Number(entry);
    if (options.excludePids.has(pid)) continue;
    if (await isNamed(path.join(options.procRoot, entry), name)) pids.push(pid);
  }
  return pids.sort((a, b) => a - b);
}

async function isNamed(processDir: string, name: string): Promise<boolean> {
  const comm = await readOrEmpty(path.join(processDir, 'comm'));
  if (comm.replace(/\n$/, '') === name) return true;
  const cmdline = await readOrEmpty(path.join(processDir, 'cmdline'));
  const argv0 = cmdline.split('\0', 1)[0] ?? '';
  return argv0 !== '' && path.basename(argv0) === name;
}

async function readOrEmpty(file: string): Promise<string> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch {
    return '';
  }
}
