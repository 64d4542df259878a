import { decodeJwt } from 'jose';
import { AuthError } from '../errors.js';
import type { AuthMethod } from './method.js';
import { readCredential } from './read-credential.js';

export interface JwtAuthConfig {
  mount: string;
  role: string;
  tokenPath: string;
  /** The audience the role's bound_audiences expects; checked locally before each login. */
  audience?: string;
}

/**
 * Vault's JWT auth with the projected service account token: Vault checks the signature against
 * the cluster's issuer keys itself, so no TokenReview call is made per login.
 */
export function jwtAuth(config: JwtAuthConfig): AuthMethod {
  return {
    name: 'jwt',
    reloginOnChange: false,
    credentialFile: config.tokenPath,
    async loginPlan(signal) {
      const jwt = await readCredential(config.tokenPath, 'service account token', signal);
      if (config.audience !== undefined) expectAudience(jwt, config.audience, config.tokenPath);
      return { kind: 'login', path: `auth/${config.mount}/login`, body: { role: config.role, jwt } };
    },
  };
}

/**
 * Vault refuses a token minted for another audience with a generic claim error; a projected
 * volume with the wrong `audience` is the usual cause, so say that here, before any request.
 * The payload is only decoded (Vault verifies it); the message names the file, never the token.
 */
function expectAudience(jwt: string, audience: string, file: string): void {
  let aud: unknown;
  try {
    aud = decodeJwt(jwt).aud;
  } catch {
    throw new AuthError(`the service account token at ${file} is not a JWT (its payload cannot be decoded); check the volume mount`);
  }
  const audiences = typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud.filter((a): a is string => typeof a === 'string') : [];
  if (audiences.includes(audience)) return;
  const found = audiences.length ? `audience ${audiences.map((a) => JSON.stringify(a)).join(', ')}` : 'no audience';
  throw new AuthError(
    `the service account token at ${file} has ${found}, but auth.audience expects ${JSON.stringify(audience)}; ` +
      `set audience: ${JSON.stringify(audience)} on the projected serviceAccountToken volume source (or change auth.audience to match the role's bound_audiences)`,
  );
}
