import { accessSync, constants } from 'node:fs';
import { repoPath } from './repo-root.js';

/**
 * OpenBao's `bao` binary (server and agent), as scripts/install-test-deps.sh installs it:
 * $VAULTLET_BAO when set, else .tools/bin/bao in this checkout. No PATH fallback, so a test run
 * never picks up some other Vault build by accident. Throws with the fix when it is missing.
 */
export function openbaoBinary(): string {
  const path = process.env.VAULTLET_BAO || repoPath('.tools', 'bin', 'bao');
  try {
    accessSync(path, constants.X_OK);
  } catch {
    throw new Error(`OpenBao's bao binary is not at ${path}: run scripts/install-test-deps.sh (or set VAULTLET_BAO)`);
  }
  return path;
}
