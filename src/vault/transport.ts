import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Agent as HttpAgent } from 'node:http';
import type { Agent as HttpsAgent } from 'node:https';
import axios, { type AxiosInstance } from 'axios';
import type { VaultConfig } from '../config/index.js';
import { ConfigError } from '../errors.js';
import { ConcurrencyLimit } from '../util/concurrency-limit.js';

/**
 * The HTTP layer node-vault sends through (its documented `request-promise` hook). node-vault
 * keeps building paths, token and namespace headers and classifying statuses; this layer adds
 * what the sidecar needs and node-vault's own transport drops: an AbortSignal per request, the
 * Retry-After header, TLS from Vault's environment variables, keep-alive connections, and two
 * lanes (see createTransport).
 */
export interface TransportOptions {
  uri: string;
  method: string;
  headers?: Record<string, string>;
  json?: unknown;
  /** Ours, passed through node-vault untouched. */
  signal?: AbortSignal;
  /** Ours: the agent's own token travels in the auth lane. Default "secrets". */
  lane?: Lane;
  /** Filled in by the transport so the client can read what node-vault does not return. */
  meta?: ResponseMeta;
}

export interface ResponseMeta {
  status?: number;
  retryAfterMs?: number;
  /** How long the request waited for a free connection before it was sent. */
  queuedMs?: number;
}

/** Logins and the token's own calls, or everything else (secrets, leases). */
export type Lane = 'auth' | 'secrets';

/** Connections for secrets and leases: requests beyond this wait, untimed, for one to be free. */
export const SECRET_CONNECTIONS = 16;
/** Connections for logins and the token's renewals, never shared with secrets. */
const AUTH_CONNECTIONS = 2;

export interface TransportResponse {
  statusCode: number;
  body: unknown;
  request: { path: string };
}

export type Transport = ((options: TransportOptions) => Promise<TransportResponse>) & { close(): void };

function readTls(config: VaultConfig): { ca?: Buffer[]; cert?: Buffer; key?: Buffer } {
  const read = (file: string, key: string): Buffer => {
    try {
      return readFileSync(file);
    } catch (error) {
      throw new ConfigError(`${key}: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? error}`);
    }
  };
  const ca: Buffer[] = [];
  if (config.caCert) ca.push(read(config.caCert, 'vault.ca_cert'));
  if (config.caPath) {
    let names: string[];
    try {
      names = readdirSync(config.caPath).filter((name) => /\.(pem|crt)$/i.test(name));
    } catch (error) {
      throw new ConfigError(`vault.ca_path: cannot list ${config.caPath}: ${(error as NodeJS.ErrnoException).code ?? error}`);
    }
    for (const name of names) ca.push(read(join(config.caPath, name), 'vault.ca_path'));
  }
  return {
    ...(ca.length ? { ca } : {}),
    ...(config.clientCert ? { cert: read(config.clientCert, 'vault.client_cert') } : {}),
    ...(config.clientKey ? { key: read(config.clientKey, 'vault.client_key') } : {}),
  };
}

/**
 * RFC 9110: delay-seconds (digits only) or an HTTP-date (which starts with a day name). Anything
 * else is ignored: Date.parse is lenient and reads "retry 2099" as a date decades away.
 */
export function parseRetryAfter(value: unknown, now = Date.now()): number | undefined {
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  if (!/^(Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*,? /.test(text)) return undefined;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * Two lanes, each with its own keep-alive connections. Secrets and leases share 16 connections,
 * and a request is handed to axios only when one is free: its timeout (axios counts from the
 * moment it is handed over) then measures Vault, not the agent's own queue, so ten thousand
 * secrets fetched at start wait their turn instead of timing out and retrying in a storm. Logins
 * and the token's renewals and lookups have connections of their own and never queue behind
 * secrets: a token must not lapse because the agent is busy reading what it grants.
 */
export function createTransport(config: VaultConfig): Transport {
  const tls = readTls(config);
  // node:https, and with it node:tls, is loaded only for an https Vault: it is a tenth of the start.
  const pool = (maxSockets: number) => {
    const httpAgent = new HttpAgent({ keepAlive: true, maxSockets });
    let httpsAgent: HttpsAgent | undefined;
    return {
      agentsFor: (uri: string) =>
        uri.startsWith('https:')
          ? { httpsAgent: (httpsAgent ??= new (process.getBuiltinModule('node:https').Agent)({ keepAlive: true, maxSockets, rejectUnauthorized: !config.tlsSkipVerify, ...tls })) }
          : { httpAgent },
      destroy() {
        httpAgent.destroy();
        httpsAgent?.destroy();
      },
    };
  };
  const lanes = { auth: pool(AUTH_CONNECTIONS), secrets: pool(SECRET_CONNECTIONS) };
  const secretSlots = new ConcurrencyLimit(SECRET_CONNECTIONS);
  const instance: AxiosInstance = axios.create({
    // By name: the bundle (scripts/bundle.mjs) leaves axios's fetch adapter out.
    adapter: 'http',
    validateStatus: () => true,
    timeout: config.requestTimeoutMs,
    // Vault answers are small; a runaway body must not balloon the sidecar's memory.
    maxContentLength: 8 * 1024 * 1024,
    maxRedirects: 0,
  });

  const send = async (options: TransportOptions): Promise<TransportResponse> => {
    const lane = options.lane ?? 'secrets';
    const queuedAt = Date.now();
    const request = () => {
      if (options.meta) options.meta.queuedMs = Date.now() - queuedAt;
      return instance.request({
        method: options.method,
        url: options.uri,
        headers: options.headers,
        data: options.json,
        signal: options.signal,
        ...lanes[lane].agentsFor(options.uri),
      });
    };
    const response = lane === 'auth' ? await request() : await secretSlots.run(request, options.signal);
    if (options.meta) {
      options.meta.status = response.status;
      const retryAfter = parseRetryAfter(response.headers['retry-after']);
      if (retryAfter !== undefined) options.meta.retryAfterMs = retryAfter;
    }
    return { statusCode: response.status, body: response.data === '' ? undefined : response.data, request: { path: new URL(options.uri).pathname } };
  };
  return Object.assign(send, {
    close() {
      for (const lane of Object.values(lanes)) lane.destroy();
    },
  });
}
