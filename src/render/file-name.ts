import { UnsafePathError } from '../errors.js';

/**
 * A plain name inside the output directory. Names starting with '.' are reserved for our temp
 * files, and separators or NUL could escape the directory or truncate the path.
 */
export function assertSafeFileName(file: string): void {
  if (typeof file !== 'string' || file === '' || file === '.' || file === '..') {
    throw new UnsafePathError(String(file), 'file name must be a plain name inside the output directory');
  }
  if (file.includes('/') || file.includes('\\') || file.includes('\0')) {
    throw new UnsafePathError(JSON.stringify(file), 'file name must not contain "/", "\\" or NUL');
  }
  if (file.startsWith('.')) {
    throw new UnsafePathError(file, 'file names starting with "." are reserved for temporary files');
  }
}

/** The temp file name for `file`: hidden, in the same directory, so rename stays atomic. */
export function tempNameFor(file: string, random: string): string {
  return `.${file}.tmp-${random}`;
}
