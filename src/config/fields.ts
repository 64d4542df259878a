import * as z from 'zod';
import { durationOrProblem } from './duration.js';
import { fileModeOrProblem } from './file-mode.js';
import { fileNameProblem } from '../render/file-name.js';

/** Reusable field schemas of the YAML document; each reports its own problem without echoing secrets. */

function fromParser<T>(parse: (value: unknown) => T | string, expected: string) {
  return z
    .union([z.string(), z.number()], { error: expected })
    .transform((value, ctx): T => {
      const result = parse(value);
      if (typeof result === 'string') {
        ctx.addIssue({ code: 'custom', message: result, input: value });
        return z.NEVER;
      }
      return result;
    });
}

/** A Go-style duration or a number of seconds, resolved to milliseconds and at least `minMs`. */
export function duration(minMs: number, minText: string) {
  return fromParser((value) => {
    const ms = durationOrProblem(value);
    return typeof ms === 'number' && ms < minMs ? `must be at least ${minText}` : ms;
  }, 'must be a duration like "30s" or a number of seconds').meta({
    description: 'Go-style duration ("250ms", "30s", "5m", "1h30m") or a number of seconds',
  });
}

export function fileMode() {
  return fromParser(fileModeOrProblem, 'must be an octal string like "0400" or an integer').meta({
    description: 'File mode: octal string such as "0400", or an integer; at most 0777 and not world-writable',
  });
}

export function nonEmptyString() {
  return z.string().min(1, 'must not be empty');
}

export function absolutePath() {
  return nonEmptyString().refine((value) => value.startsWith('/'), 'must be an absolute path');
}

/** A path inside Vault, appended to the API prefix, so it must stay relative and not climb out. */
export function vaultPath() {
  return nonEmptyString().superRefine((value, ctx) => {
    if (value.startsWith('/')) ctx.addIssue({ code: 'custom', message: 'must not start with "/"' });
    if (value.split('/').includes('..')) ctx.addIssue({ code: 'custom', message: 'must not contain ".." segments' });
  });
}

/**
 * A file name inside output.directory that the atomic sink can always write: never a path, never
 * hidden (the sink's temp files start with "."), no control characters, short enough in bytes.
 */
export function fileName() {
  return nonEmptyString().superRefine((value, ctx) => {
    const problem = fileNameProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });
}

export function vaultAddress() {
  return z.string().superRefine((value, ctx) => {
    const problem = addressProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });
}

export function addressProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    // Not echoed: a malformed URL may still carry user:password.
    return 'must be an http:// or https:// URL such as https://vault.example:8200';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `must use http:// or https:// (got "${url.protocol}")`;
  if (url.username || url.password) return 'must not contain credentials';
  return undefined;
}

export function nonNegativeInteger() {
  return z.number().int('must be an integer').min(0, 'must be >= 0');
}
