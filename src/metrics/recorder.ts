/**
 * What happened, in domain words. The agent reports through this interface only, so the
 * Prometheus implementation can be swapped for a no-op in unit tests and nothing else imports
 * prom-client. Labels passed here are bounded: secret names come from config, operations and
 * results from the fixed unions below, never from lease ids, paths with ids, or values.
 */
export type Result = 'success' | 'failure';

export type VaultOperation =
  | 'health'
  | 'login'
  | 'token_lookup'
  | 'token_renew'
  | 'token_revoke'
  | 'secret_read'
  | 'lease_renew'
  | 'lease_revoke'
  | 'lease_lookup'
  | 'unwrap';

/** Live view of one secret, read at scrape time so "seconds until expiry" is never stale. */
export interface SecretSnapshot {
  readonly name: string;
  readonly engine: string;
  /** Epoch ms when the current lease expires; Infinity for unleased secrets. */
  readonly expiresAt: number;
  /** The lifetime granted at the last issue or renewal (a certificate: from issue to NotAfter); undefined for unleased secrets. */
  readonly ttlMs?: number;
  /** Epoch ms of the last successful file write; undefined before the first one. */
  readonly lastWriteAt?: number;
  /** Epoch ms of the last successful read or renewal from Vault, new version or not. */
  readonly lastSuccessAt?: number;
  /** Reads and renewals from Vault that failed since the last success. */
  readonly consecutiveFailures?: number;
  /** Epoch ms the agent planned, at its last success, to renew, replace or re-read the secret; retries do not move it. */
  readonly nextRefreshAt?: number;
}

/** Live view of one output file, read at scrape time. */
export interface FileSnapshot {
  readonly file: string;
  readonly secrets: readonly string[];
  /** Holds the current data of all its secrets (false while a render or write fails). */
  readonly upToDate: boolean;
  /** Whether the app reading the file can be seen (atime updates on this mount) and is watched (not track_reads: false). */
  readonly accessTracked?: boolean;
  /** Epoch ms the current version was written, as the access tracker saw it. */
  readonly versionWrittenAt?: number;
  /** Epoch ms the app first read the current version; undefined while unread. */
  readonly appReadAt?: number;
  /** Epoch ms the oldest unread version was written (earlier than versionWrittenAt when versions before it went unread too). */
  readonly unreadSince?: number;
}

/** The agent's token, or after it ended or was dropped the last one (ending when it did) until a new login. */
export interface TokenSnapshot {
  /** Epoch ms when the Vault token expires; Infinity for a non-expiring token. */
  readonly expiresAt: number;
  /** The TTL granted at the last login or renewal; 0 for a non-expiring token. */
  readonly ttlMs?: number;
  /** Epoch ms the agent planned, at its last success, to renew the token or log in again; retries do not move it. */
  readonly nextRenewalAt?: number;
}

export interface MetricsRecorder {
  loginAttempted(method: string, result: Result): void;
  tokenRenewed(result: Result): void;
  /** `status` is the HTTP status, or 0 when no answer came (connection error, timeout). */
  vaultRequest(operation: VaultOperation, status: number, seconds: number): void;
  secretRenewed(secret: string, result: Result): void;
  /** The secret was read from Vault (first read, re-read or replacement); a success whether or not the version changed. */
  secretRead(secret: string, result: Result): void;
  /** A new credential or version replaced the current one on disk (success), or fetching or writing a replacement failed. */
  secretRotated(secret: string, result: Result): void;
  /** A file write was attempted; `changed` is false when the bytes were already on disk (never true for a failure). */
  secretWritten(secret: string, result: Result, changed: boolean): void;
}

export type ActionResult = 'success' | 'failure' | 'timeout' | 'not_found';
export type EndpointReadResult = 'ok' | 'not_modified' | 'not_ready';
export type EndpointRefusal = 'not_found' | 'method_not_allowed' | 'forbidden';

/** What the whole agent reports beyond the Vault and lease events of MetricsRecorder. */
export interface AgentRecorder extends MetricsRecorder {
  /** An on-change action ran (label from actions/actionLabel: bounded, value-free). */
  actionRan(action: string, result: ActionResult, seconds: number): void;
  fileRead(file: string, result: EndpointReadResult): void;
  requestRefused(reason: EndpointRefusal): void;
  configReloaded(result: Result): void;
  /** Creates a secret's counters at 0 (at start, and for secrets a reload adds) so rate() works from the first scrape. */
  declareSecret?(name: string, engine: string): void;
}

/** For tests and for `vaultlet once` without a listener. */
export const noopRecorder: AgentRecorder = Object.freeze({
  actionRan() {},
  fileRead() {},
  requestRefused() {},
  configReloaded() {},
  loginAttempted() {},
  tokenRenewed() {},
  vaultRequest() {},
  secretRenewed() {},
  secretRead() {},
  secretRotated() {},
  secretWritten() {},
});
