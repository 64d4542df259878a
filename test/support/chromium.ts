import { accessSync, constants } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { repoPath } from './repo-root.js';

export const CHROMIUM_PATH = '/usr/bin/chromium';

/**
 * Root in a container cannot use Chromium's sandbox; the rest keeps a test browser from phoning
 * home (updates, sync, field trials) so runs are quiet and repeatable offline.
 */
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export interface HeadlessChromium {
  readonly context: BrowserContext;
  close(): Promise<void>;
}

/**
 * Debian's Chromium driven by playwright-core, with a fresh profile that is removed on close.
 * Fails (never skips) when the package is missing: playwright must not download a browser.
 */
export async function launchChromium(): Promise<HeadlessChromium> {
  try {
    accessSync(CHROMIUM_PATH, constants.X_OK);
  } catch {
    throw new Error(`${CHROMIUM_PATH} not found: install Debian's "chromium" package (apt-get install -y chromium), as .ci/run does`);
  }
  const profile = await mkdtemp(join(tmpdir(), 'vaultlet-chromium-'));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM_PATH, args: ARGS, headless: true, timeout: 30_000 });
  } catch (error) {
    await rm(profile, { recursive: true, force: true });
    throw error;
  }
  let closing: Promise<void> | undefined;
  return {
    context,
    close() {
      closing ??= context.close().finally(() => rm(profile, { recursive: true, force: true }));
      return closing;
    },
  };
}

/** Where a test saves files for people to look at (gitignored); created on demand. */
export async function artifactPath(name: string): Promise<string> {
  const dir = repoPath('test-artifacts');
  await mkdir(dir, { recursive: true });
  return join(dir, name);
}
