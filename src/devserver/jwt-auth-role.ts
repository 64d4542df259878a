import { DurationError, parseDurationSeconds } from './durations.js';
import { boolField, stringField, stringList } from './fields.js';
import { normalizeList } from './jwt-auth-claims.js';
import { emptyTokenParams, parseTokenParams, tokenParamsView, type TokenParams } from './jwt-auth-token-params.js';
import { SYSTEM_MAX_TTL } from './ttl.js';
import { badRequest } from './vault-http.js';

/** A role of Vault's JWT/OIDC auth method (vault-plugin-auth-jwt v0.17, Vault 1.15). */
export interface JwtRole {
  roleType: 'jwt' | 'oidc';
  /** Seconds; 0 means cap/jwt's default (150, 150, 60) and -1 disables the leeway. */
  expirationLeeway: number;
  notBeforeLeeway: number;
  clockSkewLeeway: number;
  boundAudiences: string[];
  boundSubject: string;
  boundClaimsType: 'string' | 'glob';
  boundClaims: Record<string, unknown>;
  claimMappings: Record<string, string>;
  userClaim: string;
  userClaimJsonPointer: boolean;
  groupsClaim: string;
  oidcScopes: string[];
  allowedRedirectUris: string[];
  verboseOidcLogging: boolean;
  maxAge: number;
  token: TokenParams;
}

const RESERVED_METADATA = ['role'];

/**
 * pathRoleCreateUpdate: fields absent from the body keep their stored values, except role_type
 * and bound_claims_type, which Vault re-reads with their defaults ("oidc", "string") on every write.
 */
export function parseJwtRole(body: Record<string, unknown>, old: JwtRole | undefined): { role: JwtRole; warnings: string[] } {
  const has = (name: string) => name in body && body[name] !== undefined;
  const roleType = stringField(body, 'role_type') || 'oidc';
  if (roleType !== 'jwt' && roleType !== 'oidc') throw badRequest(`invalid 'role_type': ${roleType}`);
  const role: JwtRole = { ...(old ?? emptyRole()), roleType };
  role.token = parseTokenParams(body, role.token);
  if (has('expiration_leeway')) role.expirationLeeway = signedSeconds(body, 'expiration_leeway');
  if (has('not_before_leeway')) role.notBeforeLeeway = signedSeconds(body, 'not_before_leeway');
  if (has('clock_skew_leeway')) role.clockSkewLeeway = signedSeconds(body, 'clock_skew_leeway');
  if (has('bound_audiences')) role.boundAudiences = stringList(body['bound_audiences']);
  if (has('bound_subject')) role.boundSubject = stringField(body, 'bound_subject');
  if (has('verbose_oidc_logging')) role.verboseOidcLogging = boolField(body, 'verbose_oidc_logging', false);
  if (has('max_age')) role.maxAge = signedSeconds(body, 'max_age');
  const claimsType = stringField(body, 'bound_claims_type') || 'string';
  if (claimsType !== 'string' && claimsType !== 'glob') throw badRequest(`invalid 'bound_claims_type': ${claimsType}`);
  role.boundClaimsType = claimsType;
  if (has('bound_claims')) role.boundClaims = parseBoundClaims(body['bound_claims'], claimsType);
  if (has('claim_mappings')) role.claimMappings = parseClaimMappings(body['claim_mappings']);
  if (has('user_claim')) role.userClaim = stringField(body, 'user_claim');
  if (!role.userClaim) throw badRequest('a user claim must be defined on the role');
  if (has('user_claim_json_pointer')) role.userClaimJsonPointer = boolField(body, 'user_claim_json_pointer', false);
  if (has('groups_claim')) role.groupsClaim = stringField(body, 'groups_claim');
  if (has('oidc_scopes')) role.oidcScopes = stringList(body['oidc_scopes']);
  if (has('allowed_redirect_uris')) role.allowedRedirectUris = stringList(body['allowed_redirect_uris']);
  if (role.roleType === 'oidc' && role.allowedRedirectUris.length === 0) {
    throw badRequest("'allowed_redirect_uris' must be set if 'role_type' is 'oidc' or unspecified.");
  }
  // OIDC checks the audience against its client id; a jwt role must bind the token to something.
  const unbound = role.boundAudiences.length === 0 && role.token.boundCidrs.length === 0 && !role.boundSubject
    && Object.keys(role.boundClaims).length === 0;
  if (role.roleType !== 'oidc' && unbound) throw badRequest('must have at least one bound constraint when creating/updating a role');
  if (role.token.maxTtl > 0 && role.token.ttl > role.token.maxTtl) throw badRequest('ttl should not be greater than max ttl');
  const warnings: string[] = [];
  if (role.token.maxTtl > SYSTEM_MAX_TTL) {
    warnings.push("token max ttl is greater than the system or backend mount's maximum TTL value; issued tokens' max TTL value will be truncated");
  }
  if (role.verboseOidcLogging) {
    warnings.push('verbose_oidc_logging has been enabled for this role. This is not recommended in production since sensitive information may be present in OIDC responses.');
  }
  return { role, warnings };
}

export function jwtRoleView(role: JwtRole): Record<string, unknown> {
  return {
    role_type: role.roleType, expiration_leeway: role.expirationLeeway, not_before_leeway: role.notBeforeLeeway,
    clock_skew_leeway: role.clockSkewLeeway, bound_audiences: role.boundAudiences, bound_subject: role.boundSubject,
    bound_claims_type: role.boundClaimsType, bound_claims: Object.keys(role.boundClaims).length ? role.boundClaims : null,
    claim_mappings: Object.keys(role.claimMappings).length ? role.claimMappings : null, user_claim: role.userClaim,
    user_claim_json_pointer: role.userClaimJsonPointer, groups_claim: role.groupsClaim,
    allowed_redirect_uris: role.allowedRedirectUris, oidc_scopes: role.oidcScopes,
    verbose_oidc_logging: role.verboseOidcLogging, max_age: role.maxAge,
    ...tokenParamsView(role.token),
  };
}

function emptyRole(): JwtRole {
  return {
    roleType: 'oidc', expirationLeeway: 0, notBeforeLeeway: 0, clockSkewLeeway: 0, boundAudiences: [], boundSubject: '',
    boundClaimsType: 'string', boundClaims: {}, claimMappings: {}, userClaim: '', userClaimJsonPointer: false, groupsClaim: '',
    oidcScopes: [], allowedRedirectUris: [], verboseOidcLogging: false, maxAge: 0, token: emptyTokenParams(),
  };
}

/** TypeSignedDurationSecond: like other durations, but "-1" (disable) is allowed. */
function signedSeconds(body: Record<string, unknown>, name: string): number {
  const value = body[name];
  const text = typeof value === 'number' ? String(value) : String(value ?? '').trim();
  const negative = text.startsWith('-');
  try {
    const seconds = parseDurationSeconds(negative ? text.slice(1) : value);
    return negative ? -seconds : seconds;
  } catch (error) {
    if (error instanceof DurationError) throw badRequest(`error converting input ${text} for field "${name}": ${error.message}`);
    throw error;
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseBoundClaims(value: unknown, claimsType: 'string' | 'glob'): Record<string, unknown> {
  if (value === null || value === '') return {};
  if (!isPlainObject(value)) throw badRequest(`error converting input ${String(value)} for field "bound_claims"`);
  if (claimsType === 'glob') {
    for (const claimValues of Object.values(value)) {
      const list = normalizeList(claimValues);
      if (!list) throw badRequest(`claim is not a string or list: ${String(claimValues)}`);
      const bad = list.find((item) => typeof item !== 'string');
      if (bad !== undefined) throw badRequest(`claim is not a string: ${String(bad)}`);
    }
  }
  return value;
}

function parseClaimMappings(value: unknown): Record<string, string> {
  if (value === null || value === '') return {};
  if (!isPlainObject(value)) throw badRequest(`error converting input ${String(value)} for field "claim_mappings"`);
  const targets = new Set<string>();
  for (const target of Object.values(value).map(String)) {
    if (RESERVED_METADATA.includes(target)) throw badRequest(`metadata key "${target}" is reserved and may not be a mapping destination`);
    if (targets.has(target)) throw badRequest(`multiple keys are mapped to metadata key "${target}"`);
    targets.add(target);
  }
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, String(v)]));
}
