import { BlockList, isIP } from 'node:net';
import { formatGoDuration } from './durations.js';
import { boolField, durationField, stringList } from './fields.js';
import { SYSTEM_MAX_TTL } from './ttl.js';
import { badRequest } from './vault-http.js';

/** Vault's tokenutil.TokenParams: the token_* fields every auth method role carries. */
export interface TokenParams {
  policies: string[];
  ttl: number;
  maxTtl: number;
  explicitMaxTtl: number;
  period: number;
  noDefaultPolicy: boolean;
  numUses: number;
  boundCidrs: string[];
  /** Legacy names (policies, ttl, …) the role was written with; Vault keeps echoing them. */
  legacy: string[];
}

export const emptyTokenParams = (): TokenParams => ({
  policies: [], ttl: 0, maxTtl: 0, explicitMaxTtl: 0, period: 0, noDefaultPolicy: false, numUses: 0, boundCidrs: [], legacy: [],
});

const LEGACY: Array<[legacy: string, modern: string]> = [
  ['policies', 'token_policies'], ['bound_cidrs', 'token_bound_cidrs'], ['num_uses', 'token_num_uses'],
  ['ttl', 'token_ttl'], ['max_ttl', 'token_max_ttl'], ['period', 'token_period'],
];

/**
 * ParseTokenFields then UpgradeValue, as Vault's roles do: only fields present in the body
 * change `old`; a legacy name counts when its token_* twin is absent.
 */
export function parseTokenParams(body: Record<string, unknown>, old: TokenParams): TokenParams {
  const input: Record<string, unknown> = { ...body };
  const legacy = new Set(old.legacy);
  for (const [legacyName, modern] of LEGACY) {
    if (legacyName in body && !(modern in body)) {
      input[modern] = body[legacyName];
      legacy.add(legacyName);
    }
  }
  const has = (name: string) => name in input && input[name] !== undefined;
  const params: TokenParams = { ...old, legacy: [...legacy] };
  if (has('token_bound_cidrs')) params.boundCidrs = parseCidrs(input['token_bound_cidrs']);
  if (has('token_explicit_max_ttl')) params.explicitMaxTtl = durationField(input, 'token_explicit_max_ttl');
  if (has('token_max_ttl')) params.maxTtl = durationField(input, 'token_max_ttl');
  if (has('token_no_default_policy')) params.noDefaultPolicy = boolField(input, 'token_no_default_policy', false);
  if (has('token_period')) params.period = durationField(input, 'token_period');
  if (has('token_policies')) params.policies = stringList(input['token_policies']);
  if (has('token_type')) {
    const type = String(input['token_type']);
    if (!['default', 'service', 'default-service', 'batch', 'default-batch'].includes(type)) {
      throw badRequest(`invalid 'token_type' value ${JSON.stringify(type)}`);
    }
    // Vault accepts batch tokens; the dev server's token store only models service tokens.
    if (type.endsWith('batch')) throw badRequest(`'token_type' ${JSON.stringify(type)} is not supported by the vaultlet dev server (service tokens only)`);
  }
  if (has('token_ttl')) params.ttl = durationField(input, 'token_ttl');
  if (params.ttl > 0 && params.maxTtl > 0 && params.ttl > params.maxTtl) {
    throw badRequest("'token_ttl' cannot be greater than 'token_max_ttl'");
  }
  if (has('token_num_uses')) {
    params.numUses = Number(input['token_num_uses']);
    if (!Number.isInteger(params.numUses)) throw badRequest(`error converting input ${String(input['token_num_uses'])} for field "token_num_uses"`);
    if (params.numUses < 0) throw badRequest("'token_num_uses' cannot be negative");
  }
  if (params.period > SYSTEM_MAX_TTL) {
    const q = (seconds: number) => JSON.stringify(formatGoDuration(seconds));
    throw badRequest(`'period' of '${q(params.period)}' is greater than the backend's maximum lease TTL of '${q(SYSTEM_MAX_TTL)}'`);
  }
  return params;
}

/** Vault's PopulateTokenData, plus the legacy names the role was written with. */
export function tokenParamsView(params: TokenParams): Record<string, unknown> {
  const view: Record<string, unknown> = {
    token_bound_cidrs: params.boundCidrs, token_explicit_max_ttl: params.explicitMaxTtl, token_max_ttl: params.maxTtl,
    token_no_default_policy: params.noDefaultPolicy, token_num_uses: params.numUses, token_period: params.period,
    token_policies: params.policies, token_type: 'default', token_ttl: params.ttl,
  };
  for (const [legacyName, modern] of LEGACY) if (params.legacy.includes(legacyName)) view[legacyName] = view[modern];
  return view;
}

/** Whether a login from `address` is allowed by the role's token_bound_cidrs (empty: any). */
export function addressAllowed(cidrs: readonly string[], address: string | undefined): boolean {
  if (cidrs.length === 0) return true;
  if (!address) return false;
  const plain = address.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '');
  const family = isIP(plain) === 6 ? 'ipv6' : 'ipv4';
  return cidrs.some((cidr) => blockOf(cidr).check(plain, family));
}

function parseCidrs(value: unknown): string[] {
  const cidrs = stringList(value);
  for (const cidr of cidrs) blockOf(cidr);
  return cidrs;
}

function blockOf(cidr: string): BlockList {
  const [address = '', prefix] = cidr.split('/');
  const version = isIP(address);
  const bits = prefix === undefined ? (version === 6 ? 128 : 32) : Number(prefix);
  const max = version === 6 ? 128 : 32;
  if (!version || (prefix !== undefined && !/^\d+$/.test(prefix)) || !Number.isInteger(bits) || bits < 0 || bits > max) {
    throw badRequest(`error parsing token_bound_cidrs: invalid IP address or CIDR block ${JSON.stringify(cidr)}`);
  }
  const block = new BlockList();
  block.addSubnet(address, bits, version === 6 ? 'ipv6' : 'ipv4');
  return block;
}
