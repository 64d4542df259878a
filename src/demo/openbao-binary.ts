import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { repoPath } from '../util/repo-root.js';

/**
 * OpenBao's `bao` binary (server and agent), as scripts/install-test-deps.sh installs it:
 * $VAULTLET_BAO when set, else .tools/bin/bao in this checkout. No PATH fallback, so a test run
 * never picks up some other Vault build by accident. Throws with the fix when it is missing.
 */
export function openbaoBinary(): string {
  const path = process.env.VAULTLET_BAO || repoPath('.tools', 'bin', 'bao');
  if (!isExecutable(path)) throw new Error(`OpenBao's bao binary is not at ${path}: run scripts/install-test-deps.sh (or set VAULTLET_BAO)`);
  return path;
}

/** For the demo: the installed one, else a `bao` on PATH. */
export function openbaoBinaryOrOnPath(): string {
  try {
    return openbaoBinary();
  } catch (error) {
    const onPath = (process.env.PATH ?? '').split(delimiter).filter(Boolean).map((dir) => join(dir, 'bao')).find(isExecutable);
    if (onPath) return onPath;
    throw new Error(`${(error as Error).message}, or put OpenBao's bao on PATH`);
  }
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
