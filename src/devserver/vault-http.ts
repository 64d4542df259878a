import type { Request, Response } from 'express';
import { newUuid } from './ids.js';

/** An answer in Vault's error shape: `{"errors":[...]}` (plus `body` fields when Vault adds them). */
export class VaultHttpError extends Error {
  constructor(
    readonly status: number,
    readonly errors: string[],
    readonly body?: Record<string, unknown>,
  ) {
    super(errors.join('; ') || `HTTP ${status}`);
  }
}

/** A token that is missing, unknown or expired. */
export const permissionDenied = (): VaultHttpError => new VaultHttpError(403, ['permission denied']);
/** A valid token whose policies do not allow the request: Vault wraps the same words in its multi-error form. */
export const policyDenied = (): VaultHttpError => new VaultHttpError(403, ['1 error occurred:\n\t* permission denied\n\n']);
export const badRequest = (message: string): VaultHttpError => new VaultHttpError(400, [message]);
/** Vault answers a missing secret or unknown path with 404 and an empty errors list. */
export const notFound = (): VaultHttpError => new VaultHttpError(404, []);
export const unsupportedOperation = (): VaultHttpError =>
  new VaultHttpError(405, ['1 error occurred:\n\t* unsupported operation\n\n']);

export type Operation = 'read' | 'list' | 'write' | 'delete';

/** Vault parses `list` with Go's strconv.ParseBool. */
const TRUE_WORDS = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);

/** PUT and POST are the same write in Vault; LIST and GET ?list=true are the same list. */
export function operationOf(req: Request): Operation | undefined {
  switch (req.method) {
    case 'GET':
    case 'HEAD':
      return TRUE_WORDS.has(String(req.query['list'] ?? '')) ? 'list' : 'read';
    case 'LIST':
      return 'list';
    case 'POST':
    case 'PUT':
      return 'write';
    case 'DELETE':
      return 'delete';
    default:
      return undefined;
  }
}

/** A successful answer; handlers return undefined for Vault's 204. */
export interface Reply {
  status?: number;
  data?: unknown;
  leaseId?: string;
  leaseDuration?: number;
  renewable?: boolean;
  auth?: unknown;
  warnings?: string[];
  /** Extra top-level fields some sys endpoints add next to the envelope. */
  extra?: Record<string, unknown>;
  /** A body sent exactly as given (sys/health, sys/seal-status are not enveloped). */
  raw?: unknown;
}

export function envelope(reply: Reply, mountType: string): Record<string, unknown> {
  return {
    request_id: newUuid(),
    lease_id: reply.leaseId ?? '',
    renewable: reply.renewable ?? false,
    lease_duration: reply.leaseDuration ?? 0,
    data: reply.data ?? null,
    wrap_info: null,
    warnings: reply.warnings?.length ? reply.warnings : null,
    auth: reply.auth ?? null,
    mount_type: mountType,
    ...reply.extra,
  };
}

export function sendReply(res: Response, reply: Reply | void, mountType: string): void {
  if (!reply) {
    res.status(204).end();
    return;
  }
  res.status(reply.status ?? 200).json(reply.raw !== undefined ? reply.raw : envelope(reply, mountType));
}

export function sendError(res: Response, error: VaultHttpError): void {
  res.status(error.status).json({ ...error.body, errors: error.errors });
}
