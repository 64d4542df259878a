export interface DevServerOptions {
  /** Default '127.0.0.1'. */
  host?: string;
  /** Default 8200; 0 picks a free port. */
  port?: number;
  /** Default 'root', like `vault server -dev -dev-root-token-id`. */
  rootToken?: string;
  /** Injectable clock (epoch ms) for every TTL computation; default Date.now. */
  now?: () => number;
  /**
   * Where dynamic database credentials are created and dropped, for every role; database/config
   * entries are then only recorded. Default: PostgreSQL connections written to database/config
   * (postgresql-database-plugin) create real users; roles on no such connection stay in memory.
   */
  databaseBackend?: import('./database-backend.js').DatabaseBackend;
}

export interface RecordedRequest {
  method: string;
  /** Vault path without "/v1/" and without the query, e.g. "auth/kubernetes/login". */
  path: string;
  query: Record<string, string>;
  body: unknown;
  /** 0 until the answer is sent (and for ever if the client gave up first). */
  status: number;
  /** When the request arrived (server clock, epoch ms). */
  at: number;
  /** When the answer's headers went out; absent until then. */
  answeredAt?: number;
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
  /** Only delay matching paths (path without /v1/); all paths when absent. */
  latencyPathPattern?: RegExp;
  /** If set, injected 429/503 answers carry Retry-After. */
  retryAfterSeconds?: number;
  /**
   * Every request (health included) is accepted and left unanswered while this is true, like a
   * Vault stuck on its storage backend; held requests carry on as normal once it is set back to
   * false, and are dropped if the client gives up first. For exercising client timeouts.
   */
  hang: boolean;
}

/** Which recorded requests `countRequests` counts; every given field must match. */
export interface RequestMatch {
  /** Exact Vault path (without /v1/), or a pattern tested against it. */
  path?: string | RegExp;
  method?: string;
  /** The answer's status; 0 matches requests not answered yet. */
  status?: number;
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
  /** Ids of the live leases whose id starts with `prefix`, oldest first (for revokeLease). */
  leaseIds(prefix?: string): string[];
  leasesIssued(prefix?: string): number;
  tokenCount(): number;
  /** Recorded requests matching `match` that arrived at or after `sinceMs` (server clock). */
  countRequests(match?: RequestMatch, sinceMs?: number): number;
  /**
   * A Vault that is down: stops listening and drops open connections, so clients get
   * ECONNREFUSED. Tokens, leases, secrets and policies are kept. Safe to call twice.
   */
  refuseConnections(): Promise<void>;
  /** Listens again on the same host and port, with the same state. Safe to call twice. */
  acceptConnections(): Promise<void>;
  close(): Promise<void>;
}
