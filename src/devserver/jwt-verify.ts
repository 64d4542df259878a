import { createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import { compactVerify, decodeJwt, decodeProtectedHeader } from 'jose';
import { VaultHttpError, badRequest, permissionDenied } from './vault-http.js';

/** Signing algorithms Kubernetes may use for service account tokens (as Vault allows). */
const ALLOWED_ALGS = ['RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512', 'PS256', 'PS384', 'PS512'];
/** cap/jwt's default clock-skew leeway for exp and nbf. */
const LEEWAY_SECONDS = 150;

/** Accepts PEM public keys and PEM certificates, as Vault's `pem_keys` does. */
export function parsePemKey(pem: string): KeyObject {
  try {
    if (pem.includes('BEGIN CERTIFICATE')) return new X509Certificate(pem).publicKey;
    return createPublicKey(pem);
  } catch {
    throw badRequest('failed to parse pem_keys: data does not contain any valid public keys');
  }
}

export interface ClaimExpectations {
  issuer?: string;
  audience?: string;
  nowSeconds: number;
}

/**
 * Verifies the signature with any configured key, then the claims. A bad signature is Vault's
 * plain 403 `permission denied`; claim failures are 403 with the validator's message.
 */
export async function verifyServiceAccountJwt(
  jwt: string,
  keys: readonly KeyObject[],
  expected: ClaimExpectations,
): Promise<Record<string, unknown>> {
  let alg: string | undefined;
  try {
    alg = decodeProtectedHeader(jwt).alg;
  } catch {
    throw new VaultHttpError(403, ['failed to parse JWT']);
  }
  if (!alg || !ALLOWED_ALGS.includes(alg)) throw new VaultHttpError(403, [`unsupported signing algorithm "${alg}"`]);
  let payload: Record<string, unknown> | undefined;
  for (const key of keys) {
    try {
      const result = await compactVerify(jwt, key, { algorithms: ALLOWED_ALGS });
      payload = JSON.parse(new TextDecoder().decode(result.payload)) as Record<string, unknown>;
      break;
    } catch {
      // try the next key
    }
  }
  if (!payload) throw permissionDenied();
  checkClaims(payload, expected);
  return payload;
}

/**
 * Vault's kubernetes auth without `pem_keys`: the claims are read without checking the signature
 * (the TokenReview that follows vouches for the token), then checked as usual.
 */
export function decodeUnverifiedJwt(jwt: string, expected: ClaimExpectations): Record<string, unknown> {
  let payload: Record<string, unknown>;
  try {
    const alg = decodeProtectedHeader(jwt).alg;
    if (!alg || !ALLOWED_ALGS.includes(alg)) throw new VaultHttpError(403, [`unsupported signing algorithm "${alg}"`]);
    payload = decodeJwt(jwt) as Record<string, unknown>;
  } catch (error) {
    if (error instanceof VaultHttpError) throw error;
    throw new VaultHttpError(403, ['failed to parse JWT']);
  }
  checkClaims(payload, expected);
  return payload;
}

function checkClaims(payload: Record<string, unknown>, expected: ClaimExpectations): void {
  const claimError = (message: string) => new VaultHttpError(403, [message]);
  const { nowSeconds } = expected;
  if (typeof payload['exp'] === 'number' && nowSeconds > payload['exp'] + LEEWAY_SECONDS) {
    throw claimError('validation failed, token is expired (exp)');
  }
  if (typeof payload['nbf'] === 'number' && nowSeconds < payload['nbf'] - LEEWAY_SECONDS) {
    throw claimError('validation failed, token not valid yet (nbf)');
  }
  if (expected.issuer !== undefined && payload['iss'] !== expected.issuer) {
    throw claimError('invalid issuer (iss) claim');
  }
  if (expected.audience !== undefined) {
    const aud = payload['aud'];
    const audiences = Array.isArray(aud) ? aud : aud === undefined ? [] : [aud];
    if (!audiences.includes(expected.audience)) {
      throw claimError('invalid audience (aud) claim: audience claim does not match any expected audience');
    }
  }
}

export interface ServiceAccountClaims {
  name: string;
  namespace: string;
  uid: string;
}

/** Projected-token claims (`kubernetes.io: {...}`) win over the legacy flat claims. */
export function serviceAccountOf(claims: Record<string, unknown>): ServiceAccountClaims {
  const projected = claims['kubernetes.io'] as
    | { namespace?: string; serviceaccount?: { name?: string; uid?: string } }
    | undefined;
  if (projected && typeof projected === 'object') {
    return {
      name: projected.serviceaccount?.name ?? '',
      namespace: projected.namespace ?? '',
      uid: projected.serviceaccount?.uid ?? '',
    };
  }
  return {
    name: String(claims['kubernetes.io/serviceaccount/service-account.name'] ?? ''),
    namespace: String(claims['kubernetes.io/serviceaccount/namespace'] ?? ''),
    uid: String(claims['kubernetes.io/serviceaccount/service-account.uid'] ?? ''),
  };
}
