export interface DevServerOptions {
  /** Default '127.0.0.1'. */
  host?: string;
  /** Default 8200; 0 picks a free port. */
  port?: number;
  /** Default 'root', like `vault server -dev -dev-root-token-id`. */
  rootToken?: string;
  /** Injectable clock (epoch ms) for every TTL computation; default Date.now. */
  now?: () => number;
  /** Where dynamic database credentials are created and dropped; default in memory. */
  databaseBackend?: import('./database-backend.js').DatabaseBackend;
}

export interface RecordedRequest {
  method: string;
  /** Vault path without "/v1/" and without the query, e.g. "auth/kubernetes/login". */
  path: string;
  query: Record<string, string>;
  body: unknown;
  /** 0 until the answer is sent. */
  status: number;
  at: number;
  tokenAccessor?: string;
}

export interface DevFaults {
  /** Every request except sys/health, sys/seal-status, sys/unseal answers 503 "Vault is sealed". */
  sealed: boolean;
  /** Added before every answer. */
  latencyMs: number;
  /** 0 = off; otherwise answer this status with {"errors":["injected fault"]}. */
  errorStatus: number;
  /** 0..1 probability that errorStatus applies (1 = always). */
  errorRate: number;
  /** Only inject on matching paths (path without /v1/). */
  errorPathPattern?: RegExp;
  /** If set, injected 429/503 answers carry Retry-After. */
  retryAfterSeconds?: number;
}

export interface DevServer {
  readonly url: string;
  readonly rootToken: string;
  readonly faults: DevFaults;
  readonly requests: RecordedRequest[];
  revokeToken(token: string): void;
  /** Server-side revocation by accessor, as `auth/token/revoke-accessor` does; false if unknown. */
  revokeTokenByAccessor(accessor: string): boolean;
  revokeLease(leaseId: string): void;
  leaseCount(prefix?: string): number;
  leasesIssued(prefix?: string): number;
  tokenCount(): number;
  close(): Promise<void>;
}
