/**
 * One base error with a stable `code` and a subclass per failure, in the manner of undici's
 * errors: callers branch on `instanceof` or `code`, never on message text. Messages name the
 * key, secret, file or Vault operation involved and never carry a secret value or token. Each
 * class spells out its name: the bundle is minified, so a class's own name is not its source name.
 */
export class VaultletError extends Error {
  override readonly name: string = 'VaultletError';
  readonly code: string = 'VAULTLET_ERROR';
}

/** The configuration file is missing, unreadable or fails validation. Exit code 2. */
export class ConfigError extends VaultletError {
  override readonly name: string = 'ConfigError';
  override readonly code = 'VAULTLET_CONFIG';
  /** Each problem as `key.path: message`. */
  readonly issues: readonly string[];
  constructor(message: string, issues: readonly string[] = [], options?: { cause?: unknown }) {
    super(issues.length ? `${message}\n  - ${issues.join('\n  - ')}` : message, options);
    this.issues = issues;
  }
}

/** Vault answered with a non-success status. `errors` is Vault's own list, already free of secrets. */
export class VaultResponseError extends VaultletError {
  override readonly name: string = 'VaultResponseError';
  override readonly code: string = 'VAULTLET_VAULT_RESPONSE';
  constructor(
    readonly operation: string,
    readonly status: number,
    readonly errors: readonly string[],
    readonly retryAfterMs?: number,
  ) {
    super(`Vault ${operation} failed with HTTP ${status}${errors.length ? `: ${errors.join('; ')}` : ''}`);
  }
}

/** 403: the token is invalid, expired, revoked, or its policies do not allow the path. */
export class VaultPermissionDeniedError extends VaultResponseError {
  override readonly name: string = 'VaultPermissionDeniedError';
  override readonly code = 'VAULTLET_VAULT_PERMISSION_DENIED';
}

/** 503 with Vault sealed, or in standby without a forwarding path. */
export class VaultUnavailableError extends VaultResponseError {
  override readonly name: string = 'VaultUnavailableError';
  override readonly code = 'VAULTLET_VAULT_UNAVAILABLE';
}

/** 429 from a rate-limit quota. */
export class VaultRateLimitedError extends VaultResponseError {
  override readonly name: string = 'VaultRateLimitedError';
  override readonly code = 'VAULTLET_VAULT_RATE_LIMITED';
}

/** 400 or 404: the request itself is wrong (unknown path, lease not found, bad role). */
export class VaultRequestRejectedError extends VaultResponseError {
  override readonly name: string = 'VaultRequestRejectedError';
  override readonly code = 'VAULTLET_VAULT_REJECTED';
}

/** No HTTP answer: connection refused or reset, DNS failure, TLS failure, or timeout. */
export class VaultConnectionError extends VaultletError {
  override readonly name: string = 'VaultConnectionError';
  override readonly code: string = 'VAULTLET_VAULT_CONNECTION';
  constructor(readonly operation: string, readonly reason: string, options?: { cause?: unknown }) {
    super(`Vault ${operation} could not reach Vault: ${reason}`, options);
  }
}

/** The request did not complete within the configured timeout. */
export class VaultTimeoutError extends VaultConnectionError {
  override readonly name: string = 'VaultTimeoutError';
  override readonly code = 'VAULTLET_VAULT_TIMEOUT';
}

/** Logging in failed: the credential file is unreadable or Vault refused the login. */
export class AuthError extends VaultletError {
  override readonly name: string = 'AuthError';
  override readonly code = 'VAULTLET_AUTH';
}

/** Vault answered a secret read with a body vaultlet cannot use (no data, deleted version). */
export class SecretDataError extends VaultletError {
  override readonly name: string = 'SecretDataError';
  override readonly code = 'VAULTLET_SECRET_DATA';
  /** A lease Vault created for the refused answer: nobody will use it, so the worker revokes it. */
  readonly leaseId: string | undefined;
  constructor(message: string, options?: { cause?: unknown; leaseId?: string }) {
    super(message, options);
    this.leaseId = options?.leaseId;
  }
}

/** A secret's data could not be turned into file contents (missing field, bad format). */
export class RenderError extends VaultletError {
  override readonly name: string = 'RenderError';
  override readonly code: string = 'VAULTLET_RENDER';
}

/**
 * A user template failed to compile or render. Names the template and the line; the message
 * never quotes the data, only the template's own text position.
 */
export class TemplateError extends RenderError {
  override readonly name: string = 'TemplateError';
  override readonly code = 'VAULTLET_TEMPLATE';
  constructor(readonly template: string, readonly line: number | undefined, reason: string, options?: { cause?: unknown }) {
    super(`template "${template}"${line ? ` line ${line}` : ''}: ${reason}`, options);
  }
}

/** Writing a secret file failed; the previous file, if any, is left in place. */
export class SinkError extends VaultletError {
  override readonly name: string = 'SinkError';
  override readonly code: string = 'VAULTLET_SINK';
  constructor(readonly file: string, message: string, options?: { cause?: unknown }) {
    super(`${file}: ${message}`, options);
  }
}

/** The target is a symlink, outside the output directory, or not a regular file. */
export class UnsafePathError extends SinkError {
  override readonly name: string = 'UnsafePathError';
  override readonly code = 'VAULTLET_UNSAFE_PATH';
}

/** The operation was abandoned because its AbortSignal fired (shutdown). */
export class AbortedError extends VaultletError {
  override readonly name: string = 'AbortedError';
  override readonly code = 'VAULTLET_ABORTED';
  constructor(message = 'operation aborted') {
    super(message);
  }
}

/** Whether retrying the same request later can succeed. 403 is handled by re-authentication, not retry. */
export function isRetryable(error: unknown): boolean {
  if (error instanceof VaultConnectionError) return true;
  if (error instanceof VaultResponseError) {
    return error.status === 412 || error.status === 429 || (error.status >= 500 && error.status !== 501);
  }
  return false;
}
