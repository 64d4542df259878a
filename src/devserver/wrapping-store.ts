import type { DevContext } from './context.js';
import type { TokenEntry } from './tokens.js';

/** The one policy Vault gives response-wrapping tokens; nothing else may carry it alone. */
export const RESPONSE_WRAPPING_POLICY = 'response-wrapping';

export interface WrappedResponse {
  /** The original answer, serialised at wrap time as Vault stores it in the token's cubbyhole. */
  readonly response: string;
  readonly creationPath: string;
  readonly creationTtl: number;
  readonly creationTime: number;
}

export interface WrapInfo {
  token: string;
  accessor: string;
  ttl: number;
  creation_time: string;
  creation_path: string;
  wrapped_accessor?: string;
}

/**
 * Vault's response wrapping: a single-use token (policy "response-wrapping", no default policy,
 * not renewable, explicit max TTL = the wrap TTL) whose cubbyhole holds the original answer.
 * The token lives in the server's TokenStore, so expiry and revocation work as for any token.
 */
export class WrappedResponses {
  private readonly entries = new Map<string, WrappedResponse>();

  constructor(private readonly ctx: DevContext) {}

  /** Stores a successful answer behind a new wrapping token and says how to fetch it. */
  wrap(body: Record<string, unknown>, creationPath: string, ttl: number): WrapInfo {
    // Vault names what the wrapped answer grants: a token's accessor, or an AppRole secret_id's.
    const auth = body['auth'] as { accessor?: unknown } | null | undefined;
    const data = body['data'] as { secret_id_accessor?: unknown } | null | undefined;
    const accessor = [auth?.accessor, data?.secret_id_accessor].find((value): value is string => typeof value === 'string');
    return this.store(JSON.stringify(body), creationPath, ttl, accessor);
  }

  /** sys/wrapping/rewrap: the same answer, path and TTL behind a fresh token (the old one is used up). */
  rewrap(old: WrappedResponse): WrapInfo {
    return this.store(old.response, old.creationPath, old.creationTtl, undefined);
  }

  private store(response: string, creationPath: string, ttl: number, wrappedAccessor: string | undefined): WrapInfo {
    this.forgetDead();
    const { token } = this.ctx.tokens.create({
      policies: [RESPONSE_WRAPPING_POLICY], noDefaultPolicy: true, displayName: '', path: creationPath,
      ttl, maxTtl: 0, explicitMaxTtl: ttl, renewable: false,
    });
    this.entries.set(token.id, { response, creationPath, creationTtl: ttl, creationTime: token.issueTime });
    return {
      token: token.id, accessor: token.accessor, ttl, creation_time: new Date(token.issueTime).toISOString(),
      creation_path: creationPath, ...(wrappedAccessor ? { wrapped_accessor: wrappedAccessor } : {}),
    };
  }

  /** The live wrapping token's stored answer, or undefined for anything else (used, expired, not a wrapping token). */
  find(tokenId: string | undefined): (WrappedResponse & { token: TokenEntry }) | undefined {
    const token = this.ctx.tokens.get(tokenId);
    if (!token || token.policies.length !== 1 || token.policies[0] !== RESPONSE_WRAPPING_POLICY) return undefined;
    const entry = this.entries.get(token.id);
    return entry && { ...entry, token };
  }

  /** Uses up the token's single use: the answer can be read this once. */
  take(tokenId: string): WrappedResponse | undefined {
    const found = this.find(tokenId);
    if (!found) return undefined;
    this.entries.delete(tokenId);
    this.ctx.tokens.revoke(tokenId);
    return found;
  }

  /** Answers whose token expired or was revoked go with it, as a cubbyhole does. */
  private forgetDead(): void {
    for (const id of [...this.entries.keys()]) if (!this.ctx.tokens.get(id)) this.entries.delete(id);
  }
}

/**
 * One store per dev server, shared by the wrapping middleware and the sys/wrapping routes, which
 * both receive only the context. Weakly keyed, so it goes away with the server. (A `wrapping`
 * field on DevContext, created in start.ts, would say the same more plainly.)
 */
const stores = new WeakMap<DevContext, WrappedResponses>();

export function wrappedResponsesOf(ctx: DevContext): WrappedResponses {
  let store = stores.get(ctx);
  if (!store) {
    store = new WrappedResponses(ctx);
    stores.set(ctx, store);
  }
  return store;
}
