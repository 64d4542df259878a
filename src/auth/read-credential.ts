import { readFile } from 'node:fs/promises';
import { AuthError } from '../errors.js';

/** Reads a credential file, trimmed. Errors name the file and the errno, never the content. */
export async function readCredential(file: string, what: string, signal?: AbortSignal): Promise<string> {
  let text: string;
  try {
    text = await readFile(file, { encoding: 'utf8', signal });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).name;
    throw new AuthError(`cannot read the ${what} at ${file} (${code}); check the volume mount`);
  }
  const value = text.trim();
  if (!value) throw new AuthError(`the ${what} at ${file} is empty`);
  return value;
}
