import { isIP } from 'node:net';
import { formatGoDuration } from './durations.js';
import { boolField, durationField, stringField, stringList } from './fields.js';
import type { Issuer } from './pki-authority.js';
import { firstDisallowedName, isHostname } from './pki-names.js';
import type { PkiRole } from './pki-roles.js';
import { buildCertificate, generateRsaKey, newSerialHex, rfc3339Nano, type RsaKey } from './pki-x509.js';
import { SYSTEM_DEFAULT_TTL, SYSTEM_MAX_TTL } from './ttl.js';
import { badRequest } from './vault-http.js';

export const CN_REQUIRED =
  'the common_name field is required, or must be provided in a CSR with "use_csr_common_name" set to true, unless "require_cn" is set to false';

export interface IssuedCertificate {
  readonly pem: string;
  readonly serialHex: string;
  readonly notBefore: number;
  readonly notAfter: number;
  readonly key: RsaKey;
  readonly warnings: string[];
}

/** The names a request puts in the certificate, split and sorted as Vault does. */
export interface RequestedNames {
  readonly commonName: string;
  readonly dnsNames: string[];
  readonly emailAddresses: string[];
  readonly ipAddresses: string[];
}

export function requestedNames(body: Record<string, unknown>): RequestedNames {
  const commonName = stringField(body, 'common_name');
  const dns: string[] = [];
  const emails: string[] = [];
  const add = (name: string) => (name.includes('@') ? emails : dns).push(name);
  // The CN goes into the SANs only where it looks like a host name or an email address.
  if (commonName && !boolField(body, 'exclude_cn_from_sans', false) && (commonName.includes('@') || isHostname(commonName))) add(commonName);
  for (const name of stringList(body['alt_names'])) add(name);
  const ips = stringList(body['ip_sans']);
  return { commonName, dnsNames: sortedUnique(dns), emailAddresses: sortedUnique(emails), ipAddresses: ips };
}

/** The role checks of Vault's generateCreationBundle, in its order and with its messages. */
export function checkNamesAgainstRole(role: PkiRole, names: RequestedNames): void {
  if (!names.commonName && role.requireCn) throw badRequest(CN_REQUIRED);
  if (names.commonName && firstDisallowedName(role, [names.commonName]) !== undefined) {
    throw badRequest(`common name ${names.commonName} not allowed by this role`);
  }
  const badDns = firstDisallowedName(role, names.dnsNames);
  if (badDns !== undefined) throw badRequest(`subject alternate name ${badDns} not allowed by this role`);
  const badEmail = firstDisallowedName(role, names.emailAddresses);
  if (badEmail !== undefined) throw badRequest(`email address ${badEmail} not allowed by this role`);
  if (names.ipAddresses.length > 0 && !role.allowIpSans) {
    // Go prints the []string as "[a b]".
    throw badRequest(`IP Subject Alternative Names are not allowed in this role, but was provided [${names.ipAddresses.join(' ')}]`);
  }
  checkIps(names.ipAddresses);
}

export function checkIps(ips: readonly string[]): void {
  const bad = ips.find((ip) => isIP(ip) === 0);
  if (bad !== undefined) throw badRequest(`the value "${bad}" is not a valid IP address`);
}

/**
 * Vault's getCertificateNotAfter: ttl, else the role's ttl, else the mount default; capped by the
 * role's max_ttl (else the mount max) with a warning; past the CA's NotAfter is an error
 * (leaf_not_after_behavior "err").
 */
export function certificateNotAfter(
  body: Record<string, unknown>, role: { ttl: number; maxTtl: number }, now: number, caNotAfter: number | undefined,
): { notAfter: number; warnings: string[] } {
  const warnings: string[] = [];
  const requested = durationField(body, 'ttl');
  const notAfterText = stringField(body, 'not_after');
  if (requested > 0 && notAfterText) {
    throw badRequest('Either ttl or not_after should be provided. Both should not be provided in the same request.');
  }
  let ttl = requested || role.ttl || SYSTEM_DEFAULT_TTL;
  const maxTtl = role.maxTtl || SYSTEM_MAX_TTL;
  if (ttl > maxTtl) {
    warnings.push(`TTL "${formatGoDuration(ttl)}" is longer than permitted maxTTL "${formatGoDuration(maxTtl)}", so maxTTL is being used`);
    ttl = maxTtl;
  }
  let notAfter = now + ttl * 1000;
  if (notAfterText) {
    notAfter = Date.parse(notAfterText);
    if (!/^\d{4}-\d\d-\d\dT/.test(notAfterText) || Number.isNaN(notAfter)) {
      throw badRequest(`parsing time "${notAfterText}" as "2006-01-02T15:04:05Z07:00": cannot parse`);
    }
  }
  if (caNotAfter !== undefined && notAfter > caNotAfter) {
    throw badRequest(
      `cannot satisfy request, as TTL would result in notAfter of ${rfc3339Nano(notAfter)} that is beyond the expiration of the CA certificate at ${rfc3339Nano(caNotAfter)}`,
    );
  }
  return { notAfter, warnings };
}

/** A leaf certificate for `names` (already checked against the role), signed by `issuer`. */
export async function issueLeaf(role: PkiRole, names: RequestedNames, body: Record<string, unknown>, issuer: Issuer, now: number): Promise<IssuedCertificate> {
  const { notAfter, warnings } = certificateNotAfter(body, role, now, issuer.notAfter);
  const notBefore = now - role.notBeforeDuration * 1000;
  const key = await generateRsaKey(role.keyBits);
  const serialHex = newSerialHex();
  const { pem } = buildCertificate(
    { serialHex, ...names, notBefore, notAfter, publicKeyPem: key.publicKeyPem, isCa: false },
    { certificate: issuer.certificate, privateKey: issuer.privateKey },
  );
  return { pem, serialHex, notBefore, notAfter, key, warnings };
}

function sortedUnique(values: string[]): string[] {
  return [...new Set(values)].sort();
}
