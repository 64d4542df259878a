import nodeVault from 'node-vault';
import type { VaultConfig } from '../config/index.js';
import { AbortedError, isRetryable, VaultResponseError, type VaultletError } from '../errors.js';
import { backoffDelay, type BackoffLimits } from '../lease/backoff.js';
import type { MetricsRecorder, VaultOperation } from '../metrics/recorder.js';
import { abortableSleep } from '../util/sleep.js';
import { classify } from './classify.js';
import { createTransport, type Lane, type ResponseMeta, type Transport } from './transport.js';

/** The agent's own token: these never wait behind secret reads (see transport.ts). */
const AUTH_OPERATIONS: ReadonlySet<VaultOperation> = new Set<VaultOperation>(['health', 'login', 'token_lookup', 'token_renew', 'token_revoke', 'unwrap']);

export interface VaultRequest {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'LIST';
  /** Without the leading slash or /v1, e.g. `database/creds/app`. */
  readonly path: string;
  readonly body?: unknown;
  /** Omitted for unauthenticated calls (login, health). */
  readonly token?: string;
  readonly signal?: AbortSignal;
  /** Retries for this call; defaults to vault.max_retries. */
  readonly maxRetries?: number;
}

/** Vault's response envelope, as far as vaultlet reads it. */
export interface VaultResponse<T = Record<string, unknown>> {
  request_id?: string;
  lease_id?: string;
  lease_duration?: number;
  renewable?: boolean;
  data?: T;
  warnings?: string[] | null;
  auth?: {
    client_token: string;
    accessor?: string;
    policies?: string[];
    lease_duration: number;
    renewable: boolean;
  } | null;
}

export interface VaultClientOptions {
  readonly config: VaultConfig;
  readonly recorder: MetricsRecorder;
  readonly random?: () => number;
  readonly now?: () => number;
}

/**
 * The only place that talks HTTP to Vault. Every call goes through node-vault, is measured by
 * operation and status, and is retried here for transient failures (connection errors, 412,
 * 429, 5xx) with full-jitter backoff that honours Retry-After. 400/403/404 are never retried
 * here: callers decide (403 → re-authenticate, 400 on a lease → fetch a new one).
 */
export class VaultClient {
  private readonly vault: ReturnType<typeof nodeVault>;
  private readonly transport: Transport;
  private readonly backoff: BackoffLimits;
  private readonly random: () => number;
  private readonly now: () => number;

  constructor(private readonly options: VaultClientOptions) {
    this.transport = createTransport(options.config);
    this.vault = nodeVault({
      endpoint: options.config.address,
      namespace: options.config.namespace,
      noCustomHTTPVerbs: true,
      'request-promise': { defaults: () => this.transport },
      // node-vault's debug output includes request bodies (the service account JWT) when
      // DEBUG=node-vault is set; vaultlet never lets it print.
      debug: () => {},
    });
    // node-vault falls back to $VAULT_TOKEN and $VAULT_PREFIX; vaultlet passes its token
    // explicitly per call and its paths are complete.
    const client = this.vault as { token?: string; pathPrefix?: string };
    client.token = undefined;
    client.pathPrefix = '';
    this.backoff = { baseMs: 250, capMs: options.config.retryCapMs, floorMs: 50 };
    this.random = options.random ?? Math.random;
    this.now = options.now ?? Date.now;
  }

  get address(): string {
    return this.options.config.address;
  }

  get requestTimeoutMs(): number {
    return this.options.config.requestTimeoutMs;
  }

  async request<T = Record<string, unknown>>(operation: VaultOperation, request: VaultRequest): Promise<VaultResponse<T>> {
    const maxRetries = request.maxRetries ?? this.options.config.maxRetries;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.once<T>(operation, request);
      } catch (error) {
        const failure = error as VaultletError;
        if (attempt >= maxRetries || !isRetryable(failure) || request.signal?.aborted) throw failure;
        const retryAfter = failure instanceof VaultResponseError ? failure.retryAfterMs : undefined;
        await abortableSleep(backoffDelay(attempt + 1, this.random(), this.backoff, retryAfter), request.signal);
      }
    }
  }

  private async once<T>(operation: VaultOperation, request: VaultRequest): Promise<VaultResponse<T>> {
    if (request.signal?.aborted) throw new AbortedError(`Vault ${operation} aborted`);
    const meta: ResponseMeta = {};
    const started = this.now();
    const listing = request.method === 'LIST';
    const lane: Lane = AUTH_OPERATIONS.has(operation) ? 'auth' : 'secrets';
    // Vault's latency, not the agent's own queue for a connection.
    const seconds = () => Math.max(0, this.now() - started - (meta.queuedMs ?? 0)) / 1000;
    try {
      const body = await this.vault.request({
        path: `/${request.path}${listing ? '?list=true' : ''}`,
        method: listing ? 'GET' : request.method,
        ...(request.body === undefined ? {} : { json: request.body }),
        headers: request.token ? { 'X-Vault-Token': request.token } : {},
        signal: request.signal,
        lane,
        meta,
      });
      this.options.recorder.vaultRequest(operation, meta.status ?? 200, seconds());
      return (body ?? {}) as VaultResponse<T>;
    } catch (error) {
      // Given up while waiting for a connection: nothing was sent, nothing to count.
      if (meta.queuedMs === undefined && request.signal?.aborted) throw classify(operation, error, meta);
      this.options.recorder.vaultRequest(operation, meta.status ?? 0, seconds());
      throw classify(operation, error, meta);
    }
  }

  close(): void {
    this.transport.close();
  }
}
