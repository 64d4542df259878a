import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const childScript = fileURLToPath(new URL('./sink-child.js', import.meta.url));

export type ChildResult = { changed?: boolean; probed?: boolean; error?: { name: string; code: string; message: string } };

/**
 * Runs sink-child.js with `args` as another user and/or under `ulimit -f` (512-byte blocks), and
 * returns its JSON lines. Node ignores SIGXFSZ, so an oversized write fails with EFBIG instead.
 */
export function runSinkChild(args: string[], limits: { uid?: number; fileSizeBlocks?: number } = {}): Promise<ChildResult[]> {
  const ulimit = limits.fileSizeBlocks === undefined ? '' : `ulimit -f ${limits.fileSizeBlocks} && `;
  const argv = ['-c', `${ulimit}exec "$@"`, 'sh', process.execPath, childScript, ...args];
  const options = { uid: limits.uid, gid: limits.uid, timeout: 15_000 };
  return new Promise((resolve, reject) => {
    execFile('/bin/sh', argv, options, (error, stdout, stderr) => {
      if (error) return reject(new Error(`sink child failed: ${error.message}\n${stderr}`));
      resolve(stdout.trim().split('\n').map((line) => JSON.parse(line) as ChildResult));
    });
  });
}
