import { SinkError } from '../errors.js';

/** What an errno means for someone looking at the output volume. */
const REASONS: Record<string, string> = {
  ENOSPC: 'no space left on the output volume',
  EDQUOT: 'disk quota exceeded on the output volume',
  EACCES: 'output directory is not writable',
  EPERM: 'output directory is not writable',
  EROFS: 'output directory is not writable',
  ENOENT: 'output directory is missing',
  ENOTDIR: 'output directory is not a directory',
  EFBIG: 'file is larger than the process may write',
  ENAMETOOLONG: 'file name is too long',
};

export function errnoOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * A SinkError naming the file, the errno and what it means. `doing` says which step failed.
 * Node's own message only carries the syscall and paths, so keeping it as `cause` leaks no bytes.
 */
export function sinkFailure(file: string, doing: string, error: unknown): SinkError {
  if (error instanceof SinkError) return error;
  const code = errnoOf(error) ?? 'unknown error';
  const reason = REASONS[code];
  return new SinkError(file, `${doing} failed: ${reason ? `${reason} (${code})` : code}`, { cause: error });
}
