import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { chmod, cp, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const builtSrc = fileURLToPath(new URL('../../src/', import.meta.url));
const childScript = fileURLToPath(new URL('./sink-child.js', import.meta.url));

export type ChildResult = { changed?: boolean; probed?: boolean; error?: { name: string; code: string; message: string } };

let portable: Promise<string> | undefined;

/**
 * The child and the compiled modules it imports, copied to a world-readable directory: the
 * checkout may sit under a 0700 directory (mktemp -d) that another user cannot enter.
 */
function portableChild(): Promise<string> {
  portable ??= (async () => {
    const root = await mkdtemp(join(tmpdir(), 'vaultlet-sink-child-'));
    process.once('exit', () => rmSync(root, { recursive: true, force: true }));
    await chmod(root, 0o755);
    await cp(join(builtSrc, 'errors.js'), join(root, 'src', 'errors.js'));
    await cp(join(builtSrc, 'render'), join(root, 'src', 'render'), { recursive: true });
    await cp(childScript, join(root, 'test', 'render', 'sink-child.js'));
    await writeFile(join(root, 'package.json'), '{"type":"module"}\n');
    for (const dir of ['src', 'src/render', 'test', 'test/render']) await chmod(join(root, dir), 0o755);
    return join(root, 'test', 'render', 'sink-child.js');
  })();
  return portable;
}

/**
 * Runs sink-child.js with `args` as another user and/or under `ulimit -f` (512-byte blocks), and
 * returns its JSON lines. Node ignores SIGXFSZ, so an oversized write fails with EFBIG instead.
 */
export async function runSinkChild(args: string[], limits: { uid?: number; fileSizeBlocks?: number } = {}): Promise<ChildResult[]> {
  const script = limits.uid === undefined ? childScript : await portableChild();
  const ulimit = limits.fileSizeBlocks === undefined ? '' : `ulimit -f ${limits.fileSizeBlocks} && `;
  const argv = ['-c', `${ulimit}exec "$@"`, 'sh', process.execPath, script, ...args];
  const options = { uid: limits.uid, gid: limits.uid, timeout: 15_000 };
  return new Promise((resolve, reject) => {
    execFile('/bin/sh', argv, options, (error, stdout, stderr) => {
      if (error) return reject(new Error(`sink child failed: ${error.message}\n${stderr}`));
      resolve(stdout.trim().split('\n').map((line) => JSON.parse(line) as ChildResult));
    });
  });
}
