import { boolField, durationField, stringField, stringList } from './fields.js';
import type { NamePolicy } from './pki-names.js';
import { badRequest } from './vault-http.js';

export interface PkiRole extends NamePolicy {
  readonly allowIpSans: boolean;
  readonly ttl: number;
  readonly maxTtl: number;
  readonly keyBits: number;
  readonly generateLease: boolean;
  readonly noStore: boolean;
  readonly notBeforeDuration: number;
  readonly requireCn: boolean;
  readonly serverFlag: boolean;
  readonly clientFlag: boolean;
}

/** Key types Vault knows but the dev server cannot make (it issues RSA only). */
const OTHER_KEY_TYPES = new Set(['ec', 'ed25519', 'any']);
const RSA_BITS = new Set([2048, 3072, 4096, 8192]);
export const DEFAULT_RSA_BITS = 2048;
/** Vault backdates NotBefore by this much unless the role says otherwise (clock skew). */
const DEFAULT_NOT_BEFORE_SECONDS = 30;

/** A role from a write body: as in Vault, every field not given takes its default (a full replace). */
export function roleFromBody(body: Record<string, unknown>): PkiRole {
  const keyType = stringField(body, 'key_type') || 'rsa';
  if (OTHER_KEY_TYPES.has(keyType)) {
    throw badRequest(`key_type "${keyType}" is not supported by the vaultlet dev server: it issues "rsa" keys only`);
  }
  if (keyType !== 'rsa') throw badRequest(`unknown key type: ${keyType}`);
  const keyBits = rsaBits(body);
  const role: PkiRole = {
    allowedDomains: stringList(body['allowed_domains']),
    allowBareDomains: boolField(body, 'allow_bare_domains', false),
    allowSubdomains: boolField(body, 'allow_subdomains', false),
    allowGlobDomains: boolField(body, 'allow_glob_domains', false),
    allowAnyName: boolField(body, 'allow_any_name', false),
    allowLocalhost: boolField(body, 'allow_localhost', true),
    allowWildcardCertificates: boolField(body, 'allow_wildcard_certificates', true),
    enforceHostnames: boolField(body, 'enforce_hostnames', true),
    allowIpSans: boolField(body, 'allow_ip_sans', true),
    ttl: durationField(body, 'ttl'),
    maxTtl: durationField(body, 'max_ttl'),
    keyBits,
    generateLease: boolField(body, 'generate_lease', false),
    noStore: boolField(body, 'no_store', false),
    notBeforeDuration: 'not_before_duration' in body ? durationField(body, 'not_before_duration') : DEFAULT_NOT_BEFORE_SECONDS,
    requireCn: boolField(body, 'require_cn', true),
    serverFlag: boolField(body, 'server_flag', true),
    clientFlag: boolField(body, 'client_flag', true),
  };
  if (role.maxTtl > 0 && role.ttl > role.maxTtl) throw badRequest('"ttl" value must be less than "max_ttl" value');
  return role;
}

export function rsaBits(body: Record<string, unknown>): number {
  const raw = body['key_bits'];
  const bits = raw === undefined || raw === null || raw === '' ? 0 : Number(raw);
  if (!Number.isInteger(bits)) throw badRequest(`error converting input ${String(raw)} for field "key_bits"`);
  if (bits === 0) return DEFAULT_RSA_BITS;
  if (!RSA_BITS.has(bits)) throw badRequest(`unsupported bit length for RSA key: ${bits}`);
  return bits;
}

/** The role as Vault 1.15 reads it back (durations in seconds). */
export function roleResponse(role: PkiRole): Record<string, unknown> {
  return {
    allow_any_name: role.allowAnyName, allow_bare_domains: role.allowBareDomains, allow_glob_domains: role.allowGlobDomains,
    allow_ip_sans: role.allowIpSans, allow_localhost: role.allowLocalhost, allow_subdomains: role.allowSubdomains,
    allow_globs_in_identity_templates: false, allow_token_displayname: false, allow_wildcard_certificates: role.allowWildcardCertificates,
    allowed_domains: role.allowedDomains, allowed_domains_template: false, allowed_ip_sans_cidr: [], allowed_other_sans: [], allowed_serial_numbers: [],
    allowed_uri_sans: [], allowed_uri_sans_template: false, allowed_user_ids: [], basic_constraints_valid_for_non_ca: false,
    client_flag: role.clientFlag, cn_validations: ['email', 'hostname'], code_signing_flag: false, country: [],
    email_protection_flag: false, enforce_hostnames: role.enforceHostnames, ext_key_usage: [], ext_key_usage_oids: [],
    generate_lease: role.generateLease, issuer_ref: 'default', key_bits: role.keyBits, key_type: 'rsa',
    key_usage: ['DigitalSignature', 'KeyAgreement', 'KeyEncipherment'], locality: [], max_ttl: role.maxTtl,
    no_store: role.noStore, not_after: '', not_after_bound: 'permit', not_before: '', not_before_bound: 'permit',
    not_before_duration: role.notBeforeDuration, organization: [], ou: [],
    policy_identifiers: [], postal_code: [], province: [], require_cn: role.requireCn, server_flag: role.serverFlag,
    signature_bits: 256, street_address: [], ttl: role.ttl, use_csr_common_name: true, use_csr_sans: true, use_pss: false,
  };
}
