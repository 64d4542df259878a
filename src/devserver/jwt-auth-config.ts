import { createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import { boolField, stringField, stringList } from './fields.js';
import { SUPPORTED_ALGS } from './jwt-auth-validate.js';
import { badRequest } from './vault-http.js';

/** auth/jwt/config (vault-plugin-auth-jwt v0.17). Only local public keys can be used here. */
export interface JwtConfig {
  pubkeys: string[];
  keys: KeyObject[];
  supportedAlgs: string[];
  boundIssuer: string;
  defaultRole: string;
  /** Echoed back on read; never used, since the dev server cannot reach an OIDC provider. */
  stored: Record<string, unknown>;
  namespaceInState: boolean;
}

const CANNOT_FETCH =
  'the vaultlet dev server cannot fetch remote keys; configure jwt_validation_pubkeys with the PEM public keys instead';

/** pathConfigWrite: a write replaces the whole config (absent fields are cleared, as in Vault). */
export function parseJwtConfig(body: Record<string, unknown>, old: JwtConfig | undefined): JwtConfig {
  const pubkeys = stringList(body['jwt_validation_pubkeys']);
  const discoveryUrl = stringField(body, 'oidc_discovery_url');
  const jwksUrl = stringField(body, 'jwks_url');
  const clientId = stringField(body, 'oidc_client_id');
  const clientSecret = stringField(body, 'oidc_client_secret');
  const methods = [pubkeys.length > 0, discoveryUrl !== '', jwksUrl !== ''].filter(Boolean).length;
  if (methods !== 1) throw badRequest("exactly one of 'jwt_validation_pubkeys', 'jwks_url' or 'oidc_discovery_url' must be set");
  if ((clientId === '') !== (clientSecret === '')) throw badRequest("both 'oidc_client_id' and 'oidc_client_secret' must be set for OIDC");
  // Vault would fetch these now and refuse the config if it could not; here they can never be fetched.
  if (discoveryUrl) throw badRequest(`error checking oidc discovery URL: ${CANNOT_FETCH}`);
  if (clientId) throw badRequest("'oidc_discovery_url' must be set for OIDC");
  if (jwksUrl) throw badRequest(`error checking jwks URL: ${CANNOT_FETCH}`);
  const keys = pubkeys.map(parsePublicKey);
  const supportedAlgs = stringList(body['jwt_supported_algs']);
  const unsupported = supportedAlgs.find((alg) => !SUPPORTED_ALGS.includes(alg));
  if (unsupported !== undefined) throw badRequest(`invalid jwt_supported_algs: unsupported signing algorithm "${unsupported}"`);
  const responseTypes = stringList(body['oidc_response_types']);
  if (responseTypes.some((type) => type !== 'code' && type !== 'id_token')) {
    throw badRequest(`invalid response_types [${responseTypes.join(' ')}]. 'code' and 'id_token' are allowed`);
  }
  return {
    pubkeys, keys, supportedAlgs, boundIssuer: stringField(body, 'bound_issuer'), defaultRole: stringField(body, 'default_role'),
    namespaceInState: boolField(body, 'namespace_in_state', old?.namespaceInState ?? true),
    stored: {
      oidc_discovery_ca_pem: stringField(body, 'oidc_discovery_ca_pem'), oidc_client_id: clientId,
      oidc_response_mode: stringField(body, 'oidc_response_mode'), oidc_response_types: responseTypes,
      jwks_ca_pem: stringField(body, 'jwks_ca_pem'),
    },
  };
}

export function jwtConfigView(config: JwtConfig): Record<string, unknown> {
  return {
    oidc_discovery_url: '', ...config.stored, default_role: config.defaultRole, jwt_validation_pubkeys: config.pubkeys,
    jwt_supported_algs: config.supportedAlgs, jwks_url: '', bound_issuer: config.boundIssuer, provider_config: {},
    namespace_in_state: config.namespaceInState,
  };
}

/** certutil.ParsePublicKeyPEM: one PKIX public key or certificate, RSA, ECDSA or Ed25519. */
function parsePublicKey(pem: string): KeyObject {
  let key: KeyObject;
  // createPublicKey would derive a public key from a private one; Vault accepts public PEMs only.
  if (pem.includes('PRIVATE KEY')) throw badRequest('error parsing public key: data does not contain any valid public keys');
  try {
    key = pem.includes('BEGIN CERTIFICATE') ? new X509Certificate(pem).publicKey : createPublicKey({ key: pem, format: 'pem' });
  } catch {
    throw badRequest('error parsing public key: data does not contain any valid public keys');
  }
  if (!['rsa', 'rsa-pss', 'ec', 'ed25519'].includes(key.asymmetricKeyType ?? '')) {
    throw badRequest('error parsing public key: data does not contain any valid public keys');
  }
  return key;
}
