import type { KeyObject } from 'node:crypto';
import { compactVerify, decodeProtectedHeader } from 'jose';
import type { Claims } from './jwt-auth-claims.js';

/** Every algorithm hashicorp/cap supports; the login uses all of them when none are configured. */
export const SUPPORTED_ALGS = ['RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512', 'PS256', 'PS384', 'PS512', 'EdDSA'];

/** cap/jwt defaults: exp/nbf synthesis leeway 150 s, clock skew (go-jose DefaultLeeway) 60 s. */
const DEFAULT_LEEWAY_SECONDS = 150;
const DEFAULT_CLOCK_SKEW_SECONDS = 60;

export interface JwtExpectations {
  issuer: string;
  subject: string;
  audiences: readonly string[];
  algorithms: readonly string[];
  /** Seconds: 0 → default, negative → off (as the role stores them). */
  expirationLeeway: number;
  notBeforeLeeway: number;
  clockSkewLeeway: number;
  nowMs: number;
}

/**
 * hashicorp/cap jwt.Validator.Validate (v0.3, Vault 1.15): signature against any key, then alg,
 * iss, sub, aud, then the time claims. Throws Error with cap's message; the caller prefixes
 * Vault's "error validating token: ".
 */
export async function validateJwt(jwt: string, keys: readonly KeyObject[], expected: JwtExpectations): Promise<Claims> {
  const claims = await verifySignature(jwt, keys);
  const alg = decodeProtectedHeader(jwt).alg ?? '';
  if (!expected.algorithms.includes(alg)) {
    throw new Error('invalid algorithm (alg) header parameter: token signed with unexpected algorithm');
  }
  if (expected.issuer && claims['iss'] !== expected.issuer) throw new Error('invalid issuer (iss) claim');
  if (expected.subject && claims['sub'] !== expected.subject) throw new Error('invalid subject (sub) claim');
  if (expected.audiences.length > 0) {
    const audiences = audienceList(claims['aud']);
    if (!expected.audiences.some((aud) => audiences.includes(aud))) {
      throw new Error('invalid audience (aud) claim: audience claim does not match any expected audience');
    }
  }
  checkTimes(claims, expected);
  return claims;
}

export function audienceList(aud: unknown): string[] {
  if (typeof aud === 'string') return [aud];
  return Array.isArray(aud) ? aud.filter((item): item is string => typeof item === 'string') : [];
}

async function verifySignature(jwt: string, keys: readonly KeyObject[]): Promise<Claims> {
  const fail = (reason: string) => new Error(`error verifying token signature: ${reason}`);
  if (jwt.split('.').length !== 3) throw fail('go-jose/go-jose: compact JWS format must have three parts');
  for (const key of keys) {
    try {
      const { payload } = await compactVerify(jwt, key, { algorithms: SUPPORTED_ALGS });
      const claims: unknown = JSON.parse(new TextDecoder().decode(payload));
      if (typeof claims === 'object' && claims !== null && !Array.isArray(claims)) return claims as Claims;
    } catch {
      // go-jose tries each static key in turn
    }
  }
  throw fail('no known key successfully validated the token signature');
}

const leeway = (seconds: number, fallback: number) => (seconds < 0 ? 0 : seconds === 0 ? fallback : seconds);
/** go-jose NumericDate: whole seconds; absent counts as 0, as cap treats it. */
const numericDate = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? Math.trunc(value) : 0);

function checkTimes(claims: Claims, expected: JwtExpectations): void {
  const iat = numericDate(claims['iat']);
  let exp = numericDate(claims['exp']);
  let nbf = numericDate(claims['nbf']);
  if (iat === 0 && exp === 0 && nbf === 0) {
    throw new Error('no issued at (iat), not before (nbf), or expiration time (exp) claims in token');
  }
  // Missing exp/nbf are derived from the others; the role's exp/nbf leeways only apply here.
  if (exp === 0) exp = Math.max(iat, nbf) + leeway(expected.expirationLeeway, DEFAULT_LEEWAY_SECONDS);
  if (nbf === 0) nbf = iat !== 0 ? iat : exp - leeway(expected.notBeforeLeeway, DEFAULT_LEEWAY_SECONDS);
  const skewMs = leeway(expected.clockSkewLeeway, DEFAULT_CLOCK_SKEW_SECONDS) * 1000;
  const now = expected.nowMs;
  if (now + skewMs < nbf * 1000) throw new Error('invalid not before (nbf) claim: token not yet valid');
  if (now - skewMs > exp * 1000) throw new Error('invalid expiration time (exp) claim: token is expired');
  if (now + skewMs < iat * 1000) throw new Error('invalid issued at (iat) claim: token issued in the future');
}
