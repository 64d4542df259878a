import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * JSON lines on stdout. vaultlet never passes secret data or tokens to the logger; the redaction
 * list is a second line of defence for fields whose names suggest a credential.
 */
export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  return pino(
    {
      level,
      base: { component: 'vaultlet' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: {
        paths: ['token', 'client_token', 'jwt', 'password', 'secret_id', 'data', '*.token', '*.client_token', '*.jwt', '*.password', '*.data'],
        censor: '[redacted]',
      },
    },
    destination ?? process.stdout,
  );
}

export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

/** A short, value-free description of an error for log lines. */
export function describeError(error: unknown): { code?: string; message: string } {
  if (error instanceof Error) {
    return { code: (error as { code?: string }).code, message: error.message };
  }
  return { message: String(error) };
}
