import { execFile } from 'node:child_process';

export interface ChildResult {
  readonly code: number;
  readonly stdout: Buffer;
  readonly stderr: string;
}

/** Runs a program to completion in its own process (as the app would), without a shell. */
export function runChild(program: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    execFile(program, args, { encoding: 'buffer', env: { PATH: process.env.PATH, ...env }, timeout: 10_000 }, (error, stdout, stderr) => {
      const code = error ? (error as { code?: unknown }).code : 0;
      if (typeof code !== 'number') {
        reject(error);
        return;
      }
      resolve({ code, stdout, stderr: stderr.toString('utf8') });
    });
  });
}
