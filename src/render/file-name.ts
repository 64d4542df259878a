import { UnsafePathError } from '../errors.js';

/** The longest name Linux file systems (tmpfs, ext4, xfs) take for one directory entry, in bytes. */
export const NAME_MAX_BYTES = 255;
/** Random bytes in a temp file's name (hex: twice as many characters). */
export const TEMP_RANDOM_BYTES = 6;
/** A file's temp name is this many bytes longer than the file's own: ".", ".tmp-" and the random part. */
const TEMP_EXTRA_BYTES = Buffer.byteLength(tempNameFor('', 'f'.repeat(2 * TEMP_RANDOM_BYTES)));
/** The longest file name the atomic sink can write: its temp file must fit NAME_MAX too. */
export const MAX_FILE_NAME_BYTES = NAME_MAX_BYTES - TEMP_EXTRA_BYTES;

/**
 * Why `file` can never be written as a plain name inside the output directory, or undefined when
 * it can. Names starting with '.' are reserved for our temp files; separators or NUL could escape
 * the directory or truncate the path; control characters (a newline) break every tool that lists
 * the directory; the length is counted in UTF-8 bytes, as the file system counts it, with room
 * for the temp file's longer name.
 */
export function fileNameProblem(file: string): string | undefined {
  if (/[/\\\0]/.test(file)) return 'must be a file name without "/"';
  if (file.startsWith('.')) return 'must not start with "." (no hidden files, no "..")';
  if (/[\u0001-\u001f\u007f-\u009f]/.test(file)) return 'must not contain control characters (such as a newline or a tab)';
  if (/\p{Cs}/u.test(file)) return 'must be valid Unicode (a lone surrogate cannot be written as UTF-8)';
  const bytes = Buffer.byteLength(file);
  if (bytes > MAX_FILE_NAME_BYTES) {
    return `must be at most ${MAX_FILE_NAME_BYTES} bytes in UTF-8 (the file system allows ${NAME_MAX_BYTES}, and the temporary file's name is ${TEMP_EXTRA_BYTES} longer); it is ${bytes}`;
  }
  return undefined;
}

/** Throws UnsafePathError when `file` could never be written (see fileNameProblem). */
export function assertSafeFileName(file: string): void {
  if (typeof file !== 'string' || file === '') throw new UnsafePathError(String(file), 'file name must be a plain name inside the output directory');
  const problem = fileNameProblem(file);
  if (problem) throw new UnsafePathError(JSON.stringify(file), `file name ${problem}`);
}

/** The temp file name for `file`: hidden, in the same directory, so rename stays atomic. */
export function tempNameFor(file: string, random: string): string {
  return `.${file}.tmp-${random}`;
}
