import { formatGoDuration } from './durations.js';
import { boolField, durationField, stringField, stringList } from './fields.js';
import { newUuid } from './ids.js';
import { SYSTEM_MAX_TTL } from './ttl.js';
import { badRequest, VaultHttpError } from './vault-http.js';

/** One AppRole role, with Vault's token parameters (tokenutil.TokenParams). */
export interface AppRole {
  readonly name: string;
  roleId: string;
  bindSecretId: boolean;
  secretIdBoundCidrs: string[];
  secretIdNumUses: number;
  secretIdTtl: number;
  localSecretIds: boolean;
  tokenPolicies: string[];
  /** The deprecated `policies` and `period`, kept only when a request used them (Vault echoes them then). */
  legacyPolicies: string[];
  legacyPeriod: number;
  tokenTtl: number;
  tokenMaxTtl: number;
  tokenExplicitMaxTtl: number;
  tokenPeriod: number;
  tokenNumUses: number;
  tokenNoDefaultPolicy: boolean;
  tokenBoundCidrs: string[];
  tokenType: 'default' | 'service' | 'batch';
}

/** A plain error from a Vault backend: HTTP 500 with go-multierror's text. */
export const internalError = (message: string): VaultHttpError =>
  new VaultHttpError(500, [`1 error occurred:\n\t* ${message}\n\n`]);

export function intField(body: Record<string, unknown>, name: string): number {
  const value = body[name];
  if (value === undefined || value === null || value === '') return 0;
  const number = typeof value === 'number' ? value : /^-?\d+$/.test(String(value).trim()) ? Number(value) : Number.NaN;
  if (!Number.isInteger(number)) throw badRequest(`error converting input ${String(value)} for field "${name}"`);
  return number;
}

function newRole(name: string): AppRole {
  return {
    name, roleId: newUuid(), bindSecretId: true, secretIdBoundCidrs: [], secretIdNumUses: 0, secretIdTtl: 0,
    localSecretIds: false, tokenPolicies: [], legacyPolicies: [], legacyPeriod: 0, tokenTtl: 0, tokenMaxTtl: 0,
    tokenExplicitMaxTtl: 0, tokenPeriod: 0, tokenNumUses: 0, tokenNoDefaultPolicy: false, tokenBoundCidrs: [],
    tokenType: 'default',
  };
}

/** Vault's policyutil.ParsePolicies for the deprecated `policies` field: lower-cased, unique, sorted. */
const parsePolicies = (value: unknown) => [...new Set(stringList(value).map((p) => p.toLowerCase()))].sort();

/**
 * Create or update a role as Vault's pathRoleCreateUpdate does: only the fields present change,
 * the same validations in the same order, the same messages.
 */
export function writeRole(name: string, body: Record<string, unknown>, old: AppRole | undefined): { role: AppRole; warnings: string[] } {
  const has = (key: string) => body[key] !== undefined && body[key] !== null;
  const warnings: string[] = [];
  const role: AppRole = old ? { ...old } : newRole(name);

  if (has('token_type')) {
    let type = stringField(body, 'token_type');
    if (type === 'default-service' || type === 'default-batch') {
      warnings.push(`${type} has no useful meaning; adjusting to ${type.slice('default-'.length)}`);
      type = type.slice('default-'.length);
    }
    if (type === '') type = 'default';
    if (type !== 'default' && type !== 'service' && type !== 'batch') throw badRequest(`invalid 'token_type' value "${type}"`);
    role.tokenType = type;
  }
  if (has('token_bound_cidrs')) role.tokenBoundCidrs = stringList(body['token_bound_cidrs']);
  if (has('token_explicit_max_ttl')) role.tokenExplicitMaxTtl = durationField(body, 'token_explicit_max_ttl');
  if (has('token_max_ttl')) role.tokenMaxTtl = durationField(body, 'token_max_ttl');
  if (has('token_no_default_policy')) role.tokenNoDefaultPolicy = boolField(body, 'token_no_default_policy', false);
  if (has('token_period')) role.tokenPeriod = durationField(body, 'token_period');
  if (has('token_policies')) role.tokenPolicies = stringList(body['token_policies']);
  if (role.tokenType === 'batch' && role.tokenPeriod !== 0) {
    throw badRequest("'token_type' cannot be 'batch' or 'default_batch' when set to generate periodic tokens");
  }
  if (has('token_ttl')) role.tokenTtl = durationField(body, 'token_ttl');
  if (role.tokenTtl > 0 && role.tokenMaxTtl > 0 && role.tokenTtl > role.tokenMaxTtl) {
    throw badRequest("'token_ttl' cannot be greater than 'token_max_ttl'");
  }
  if (has('token_num_uses')) role.tokenNumUses = intField(body, 'token_num_uses');
  if (role.tokenNumUses < 0) throw badRequest("'token_num_uses' cannot be negative");

  if (has('local_secret_ids')) {
    if (old) throw badRequest('local_secret_ids can only be modified during role creation');
    role.localSecretIds = boolField(body, 'local_secret_ids', false);
  }
  if (has('role_id')) role.roleId = stringField(body, 'role_id');
  if (!role.roleId) throw badRequest('invalid role_id supplied, or failed to generate a role_id');
  if (has('bind_secret_id')) role.bindSecretId = boolField(body, 'bind_secret_id', true);
  const cidrKey = has('secret_id_bound_cidrs') ? 'secret_id_bound_cidrs' : 'bound_cidr_list';
  if (has(cidrKey)) role.secretIdBoundCidrs = stringList(body[cidrKey]);
  if (has('secret_id_num_uses')) role.secretIdNumUses = intField(body, 'secret_id_num_uses');
  if (role.secretIdNumUses < 0) throw badRequest('secret_id_num_uses cannot be negative');
  if (has('secret_id_ttl')) role.secretIdTtl = durationField(body, 'secret_id_ttl');

  // tokenutil.UpgradeValue: the deprecated name fills both; the new name alone clears the old.
  if (!has('token_policies') && has('policies')) role.tokenPolicies = role.legacyPolicies = parsePolicies(body['policies']);
  else if (has('token_policies')) role.legacyPolicies = has('policies') ? role.tokenPolicies : [];
  if (!has('token_period') && has('period')) role.tokenPeriod = role.legacyPeriod = durationField(body, 'period');
  else if (has('token_period')) role.legacyPeriod = has('period') ? role.tokenPeriod : 0;

  if (role.legacyPeriod > SYSTEM_MAX_TTL) {
    throw badRequest(`period of "${formatGoDuration(role.legacyPeriod)}" is greater than the backend's maximum lease TTL of "${formatGoDuration(SYSTEM_MAX_TTL)}"`);
  }
  if (role.tokenMaxTtl > SYSTEM_MAX_TTL) {
    warnings.push("token_max_ttl is greater than the backend mount's maximum TTL value; issued tokens' max TTL value will be truncated");
  }
  if (!role.bindSecretId && role.secretIdBoundCidrs.length === 0 && role.tokenBoundCidrs.length === 0) {
    throw internalError('at least one constraint should be enabled on the role');
  }
  return { role, warnings };
}

/** The `data` of GET auth/approle/role/:name. */
export function roleData(role: AppRole): Record<string, unknown> {
  return {
    bind_secret_id: role.bindSecretId,
    secret_id_bound_cidrs: role.secretIdBoundCidrs.length ? role.secretIdBoundCidrs : null,
    secret_id_num_uses: role.secretIdNumUses,
    secret_id_ttl: role.secretIdTtl,
    local_secret_ids: role.localSecretIds,
    token_bound_cidrs: role.tokenBoundCidrs,
    token_explicit_max_ttl: role.tokenExplicitMaxTtl,
    token_max_ttl: role.tokenMaxTtl,
    token_no_default_policy: role.tokenNoDefaultPolicy,
    token_period: role.tokenPeriod,
    token_policies: role.tokenPolicies,
    token_type: role.tokenType,
    token_ttl: role.tokenTtl,
    token_num_uses: role.tokenNumUses,
    ...(role.legacyPeriod ? { period: role.legacyPeriod } : {}),
    ...(role.legacyPolicies.length ? { policies: role.legacyPolicies } : {}),
  };
}
