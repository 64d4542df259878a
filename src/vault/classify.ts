import { isAxiosError } from 'axios';
import {
  AbortedError,
  VaultConnectionError,
  VaultPermissionDeniedError,
  VaultRateLimitedError,
  VaultRequestRejectedError,
  VaultResponseError,
  VaultTimeoutError,
  VaultUnavailableError,
  VaultletError,
} from '../errors.js';
import type { ResponseMeta } from './transport.js';

/** Vault's `{"errors": [...]}` list, trimmed so a misbehaving server cannot flood logs. */
function vaultErrors(body: unknown): string[] {
  const errors = (body as { errors?: unknown } | undefined)?.errors;
  if (!Array.isArray(errors)) return [];
  return errors.filter((e): e is string => typeof e === 'string').slice(0, 5).map((e) => e.slice(0, 300));
}

export function responseError(operation: string, status: number, body: unknown, meta?: ResponseMeta): VaultResponseError {
  const errors = vaultErrors(body);
  const retryAfter = meta?.retryAfterMs;
  if (status === 403) return new VaultPermissionDeniedError(operation, status, errors);
  if (status === 429) return new VaultRateLimitedError(operation, status, errors, retryAfter);
  if (status === 503) return new VaultUnavailableError(operation, status, errors, retryAfter);
  if (status === 400 || status === 404 || status === 405) return new VaultRequestRejectedError(operation, status, errors);
  return new VaultResponseError(operation, status, errors, retryAfter);
}

/**
 * Turns whatever node-vault or axios threw into one of our error classes. Classification is by
 * status and error code only, never by message text.
 */
export function classify(operation: string, error: unknown, meta?: ResponseMeta): VaultletError {
  if (error instanceof VaultletError) return error;
  const response = (error as { response?: { statusCode?: unknown; body?: unknown } }).response;
  if (response && typeof response.statusCode === 'number') {
    return responseError(operation, response.statusCode, response.body, meta);
  }
  // Only the error code is kept as the cause: axios errors carry the request config, whose
  // headers hold the Vault token, and causes end up in logs.
  if (isAxiosError(error)) {
    if (error.code === 'ERR_CANCELED') return new AbortedError(`Vault ${operation} aborted`);
    if (error.code === 'ECONNABORTED' || error.code === 'ETIMEDOUT') {
      return new VaultTimeoutError(operation, 'request timed out', { cause: error.code });
    }
    return new VaultConnectionError(operation, error.code ?? 'connection failed', { cause: error.code });
  }
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return new VaultConnectionError(operation, code ?? 'unexpected client failure', { cause: code });
}
