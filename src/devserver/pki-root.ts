import { durationField, stringField } from './fields.js';
import { newUuid } from './ids.js';
import type { Issuer } from './pki-authority.js';
import { certificateNotAfter, checkIps, CN_REQUIRED, requestedNames } from './pki-issue.js';
import { roleFromBody, rsaBits } from './pki-roles.js';
import { buildCertificate, colonSerial, generateRsaKey, newSerialHex } from './pki-x509.js';
import { badRequest } from './vault-http.js';

const DEFAULT_NOT_BEFORE_SECONDS = 30;

/** The dev server has no config/urls, so every new root gets Vault's warning about it. */
const NO_AIA_WARNING =
  "This mount hasn't configured any authority information access (AIA) fields; this may make it harder for systems to find missing certificates in the chain or to validate revocation status of certificates. Consider updating /config/urls or the newly generated issuer with this information.";

export interface GeneratedRoot {
  readonly issuer: Issuer;
  readonly data: Record<string, unknown>;
  readonly warnings: string[];
}

/**
 * POST <mount>/root/generate/{internal,exported}: a self-signed CA. Its TTL is capped by the
 * mount's max (768h: the dev server has no `secrets tune`), with Vault's warning.
 */
export async function generateRoot(type: string, body: Record<string, unknown>, now: number): Promise<GeneratedRoot> {
  if (type !== 'internal' && type !== 'exported') {
    throw badRequest(`root generation type "${type}" is not supported by the vaultlet dev server: use "internal" or "exported"`);
  }
  // The key type rules are the role's: rsa only in the dev server.
  roleFromBody({ key_type: body['key_type'], key_bits: body['key_bits'] });
  const names = requestedNames(body);
  if (!names.commonName) throw badRequest(CN_REQUIRED);
  checkIps(names.ipAddresses);
  const { notAfter, warnings } = certificateNotAfter(body, { ttl: 0, maxTtl: 0 }, now, undefined);
  const notBeforeSeconds = 'not_before_duration' in body ? durationField(body, 'not_before_duration') : DEFAULT_NOT_BEFORE_SECONDS;
  const key = await generateRsaKey(rsaBits(body));
  const serialHex = newSerialHex();
  const { pem, certificate } = buildCertificate(
    { serialHex, ...names, notBefore: now - notBeforeSeconds * 1000, notAfter, publicKeyPem: key.publicKeyPem, isCa: true },
    { selfKey: key.privateKey },
  );
  const issuer: Issuer = {
    id: newUuid(), name: stringField(body, 'issuer_name'), keyId: newUuid(), keyName: stringField(body, 'key_name'),
    pem, serial: colonSerial(serialHex), certificate, privateKey: key.privateKey, notAfter: Math.floor(notAfter / 1000) * 1000,
  };
  const data: Record<string, unknown> = {
    certificate: pem, expiration: Math.floor(issuer.notAfter / 1000), issuer_id: issuer.id, issuer_name: issuer.name,
    issuing_ca: pem, key_id: issuer.keyId, key_name: issuer.keyName, serial_number: issuer.serial,
    ...(type === 'exported' ? { private_key: key.privateKeyPem, private_key_type: 'rsa' } : {}),
  };
  return { issuer, data, warnings: [...warnings, NO_AIA_WARNING] };
}
