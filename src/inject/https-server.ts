import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type express from 'express';
import { ConfigError, VaultletError } from '../errors.js';
import { closeServer } from '../http/server.js';

export interface TlsFiles {
  cert: string;
  key: string;
}

export interface HttpsServer {
  /** e.g. https://127.0.0.1:8443, with the real port when 0 was asked for. */
  readonly url: string;
  /** Re-reads the certificate and key (cert-manager rotates them in place); false when unchanged. */
  reloadCertificate(): Promise<boolean>;
  /** Stops listening; safe to call more than once. */
  close(): Promise<void>;
}


/** Reads the PEM files; a missing or unreadable one is a ConfigError naming the flag's file. */
export async function readTls(files: TlsFiles): Promise<{ cert: string; key: string }> {
  const read = async (file: string, what: string): Promise<string> => {
    try {
      return await readFile(file, 'utf8');
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
      throw new ConfigError(`cannot read TLS ${what} ${file}: ${reason}`, [], { cause: error });
    }
  };
  return { cert: await read(files.cert, 'certificate'), key: await read(files.key, 'key') };
}

export async function startHttpsServer(app: express.Express, files: TlsFiles, host: string, port: number): Promise<HttpsServer> {
  let current = await readTls(files);
  let server: Server;
  try {
    server = createServer({ ...current, minVersion: 'TLSv1.2' }, app);
  } catch (error) {
    throw new ConfigError(`TLS certificate ${files.cert} or key ${files.key} is not usable: ${(error as Error).message}`, [], { cause: error });
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => reject(new VaultletError(`cannot listen on ${host}:${port}: ${error.code ?? error.message}`, { cause: error })));
    server.listen({ host, port }, () => resolve());
  });

  let closing: Promise<void> | undefined;
  const { port: actualPort } = server.address() as AddressInfo;
  return Object.freeze({
    url: `https://${host.includes(':') ? `[${host}]` : host}:${actualPort}`,
    async reloadCertificate(): Promise<boolean> {
      const next = await readTls(files);
      if (next.cert === current.cert && next.key === current.key) return false;
      server.setSecureContext({ ...next, minVersion: 'TLSv1.2' });
      current = next;
      return true;
    },
    close(): Promise<void> {
      closing ??= closeServer(server);
      return closing;
    },
  });
}
