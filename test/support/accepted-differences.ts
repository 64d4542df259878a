import { readFileSync } from 'node:fs';
import { repoPath } from './repo-root.js';

export const DEVSERVER_DOC = 'docs/devserver.md';

export interface AcceptedDifference {
  /** `<step> › <what>`; `*` stands for any text, e.g. `* › mount_type` for every step. */
  readonly key: string;
  matches(difference: string): boolean;
}

/**
 * The differences between the dev server and OpenBao that docs/devserver.md accepts: the first
 * cell, in backticks, of each row of the table under "## Accepted differences".
 */
export function acceptedDifferences(): AcceptedDifference[] {
  const text = readFileSync(repoPath(DEVSERVER_DOC), 'utf8');
  const section = text.split(/^## /m).find((part) => part.startsWith('Accepted differences'));
  if (!section) throw new Error(`${DEVSERVER_DOC} has no "## Accepted differences" section`);
  const accepted: AcceptedDifference[] = [];
  for (const line of section.split('\n')) {
    const key = /^\|\s*`([^`]+)`\s*\|/.exec(line)?.[1];
    if (!key) continue;
    const pattern = new RegExp(`^${key.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
    accepted.push({ key, matches: (difference) => pattern.test(difference) });
  }
  return accepted;
}
