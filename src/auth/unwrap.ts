import { createHash } from 'node:crypto';
import { AuthError, VaultPermissionDeniedError, VaultRequestRejectedError } from '../errors.js';
import type { VaultClient, VaultResponse } from '../vault/client.js';

/** What sys/wrapping/lookup tells about a wrapping token without using it up. */
export interface WrappingInfo {
  /** The Vault path whose answer was wrapped, e.g. auth/approle/role/app/secret-id. */
  readonly creationPath: string;
  readonly creationTtlSeconds: number;
  readonly creationTime: string;
}

/**
 * Unwraps a response-wrapping token (POST sys/wrapping/unwrap with the token as the request's
 * own), and looks one up. A wrapping token works once: after a successful unwrap it is gone.
 */
export interface Unwrapper {
  (wrappingToken: string, signal?: AbortSignal): Promise<VaultResponse>;
  lookup(wrappingToken: string, signal?: AbortSignal): Promise<WrappingInfo>;
}

export function unwrapWith(vault: VaultClient): Unwrapper {
  const unwrap = (wrappingToken: string, signal?: AbortSignal) =>
    vault.request('unwrap', { method: 'POST', path: 'sys/wrapping/unwrap', token: wrappingToken, signal });
  const lookup = async (wrappingToken: string, signal?: AbortSignal): Promise<WrappingInfo> => {
    // The lookup endpoint is unauthenticated and takes the token in the body.
    const response = await vault.request<{ creation_path?: unknown; creation_ttl?: unknown; creation_time?: unknown }>('unwrap', {
      method: 'POST', path: 'sys/wrapping/lookup', body: { token: wrappingToken }, signal,
    });
    const data = response.data;
    if (typeof data?.creation_path !== 'string') throw new AuthError('Vault answered the wrapping token lookup without a creation_path');
    return { creationPath: data.creation_path, creationTtlSeconds: Number(data.creation_ttl ?? 0), creationTime: String(data.creation_time ?? '') };
  };
  return Object.assign(unwrap, { lookup });
}

/** Which wrapping tokens a credential file may hold: the path that minted them, and words for errors. */
export interface WrappedFileSpec {
  readonly file: string;
  readonly creationPath: RegExp;
  /** e.g. `auth/approle/role/<role>/secret-id`. */
  readonly expected: string;
}

/** Vault refused the wrapping token: used, expired, revoked or never one. Names the file, never the token. */
function refusal(error: unknown, file: string): unknown {
  if (!(error instanceof VaultRequestRejectedError || error instanceof VaultPermissionDeniedError)) return error;
  return new AuthError(
    `the wrapping token in ${file} is not valid: it was already unwrapped, has expired or was revoked (Vault: ${error.errors.join('; ')}); put a fresh one there`,
    { cause: error },
  );
}

/**
 * Vault Agent's secret_id_response_wrapping_path check: a wrapping token minted by another path
 * (say sys/wrapping/wrap, where anyone can wrap any data) is refused before it is unwrapped.
 */
export async function checkCreationPath(unwrap: Unwrapper, wrappingToken: string, spec: WrappedFileSpec, signal?: AbortSignal): Promise<void> {
  let info: WrappingInfo;
  try {
    info = await unwrap.lookup(wrappingToken, signal);
  } catch (error) {
    throw refusal(error, spec.file);
  }
  if (!spec.creationPath.test(info.creationPath)) {
    throw new AuthError(`the wrapping token in ${spec.file} was created at "${info.creationPath}", not ${spec.expected}; refusing to unwrap it`);
  }
}

/** Checks where the token was minted, then unwraps it (using it up). */
export async function unwrapFileToken(unwrap: Unwrapper, wrappingToken: string, spec: WrappedFileSpec, signal?: AbortSignal): Promise<VaultResponse> {
  await checkCreationPath(unwrap, wrappingToken, spec, signal);
  try {
    return await unwrap(wrappingToken, signal);
  } catch (error) {
    throw refusal(error, spec.file);
  }
}

/**
 * Turns a file's content into a credential once per distinct content: a wrapping token can be
 * unwrapped only once, so the result is kept (in memory only) while the file holds the same
 * token, and the last one stays available when the file is removed after reading.
 */
export class ContentMemo<T> {
  private current: { digest: string; value: Promise<T> } | undefined;

  constructor(private readonly open: (content: string, signal?: AbortSignal) => Promise<T>) {}

  value(content: string, signal?: AbortSignal): Promise<T> {
    const digest = createHash('sha256').update(content).digest('hex');
    let entry = this.current;
    if (entry?.digest !== digest) {
      const created = { digest, value: this.open(content, signal) };
      this.current = entry = created;
      // A failure is not kept: the next login tries again (and reports Vault's answer again).
      created.value.catch(() => {
        if (this.current === created) this.current = undefined;
      });
    }
    return entry.value;
  }

  latest(): Promise<T> | undefined {
    return this.current?.value;
  }
}
