import { generateKeyPair, randomBytes, sign, X509Certificate, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import forge from 'node-forge';

const generateRsa = promisify(generateKeyPair);

export interface RsaKey {
  readonly privateKey: KeyObject;
  /** PKCS#1 ("RSA PRIVATE KEY"), the form Vault returns for rsa keys. */
  readonly privateKeyPem: string;
  readonly publicKeyPem: string;
}

/** Node's native generator: forge's JavaScript one takes seconds for 2048 bits. */
export async function generateRsaKey(bits: number): Promise<RsaKey> {
  const { privateKey, publicKey } = await generateRsa('rsa', { modulusLength: bits });
  return {
    privateKey,
    privateKeyPem: (privateKey.export({ type: 'pkcs1', format: 'pem' }) as string).trim(),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }) as string,
  };
}

/** The CA that signs: its certificate (for issuer name and key id) and its private key. */
export interface SigningCa {
  readonly certificate: forge.pki.Certificate;
  readonly privateKey: KeyObject;
}

export interface CertificateSpec {
  /** Hex, positive (high bit clear). */
  readonly serialHex: string;
  readonly commonName: string;
  readonly dnsNames: readonly string[];
  readonly emailAddresses: readonly string[];
  readonly ipAddresses: readonly string[];
  readonly notBefore: number;
  readonly notAfter: number;
  readonly publicKeyPem: string;
  /** A CA certificate (basic constraints CA, cert and CRL signing) rather than a server/client leaf. */
  readonly isCa: boolean;
}

export interface BuiltCertificate {
  readonly pem: string;
  readonly certificate: forge.pki.Certificate;
}

/**
 * Builds the certificate with forge and signs it with node:crypto (SHA-256 with RSA), so only the
 * ASN.1 assembly runs in JavaScript. Without `issuer` the certificate is self-signed with `selfKey`.
 */
export function buildCertificate(spec: CertificateSpec, issuer: SigningCa | { selfKey: KeyObject }): BuiltCertificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(spec.publicKeyPem);
  cert.serialNumber = spec.serialHex;
  cert.validity.notBefore = new Date(spec.notBefore);
  cert.validity.notAfter = new Date(spec.notAfter);
  const subject = spec.commonName ? [{ name: 'commonName', value: spec.commonName }] : [];
  cert.setSubject(subject);
  const signer = 'selfKey' in issuer ? undefined : issuer;
  cert.setIssuer(signer ? signer.certificate.subject.attributes : subject);
  const authorityKeyId = signer ? signer.certificate.generateSubjectKeyIdentifier().getBytes() : true;
  cert.setExtensions([
    ...(spec.isCa
      ? [
        { name: 'basicConstraints', cA: true, critical: true },
        { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
      ]
      : [
        { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, keyAgreement: true, critical: true },
        { name: 'extKeyUsage', serverAuth: true, clientAuth: true },
      ]),
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: authorityKeyId },
    ...(altNamesOf(spec).length ? [{ name: 'subjectAltName', altNames: altNamesOf(spec) }] : []),
  ]);
  cert.signatureOid = forge.pki.oids['sha256WithRSAEncryption']!;
  cert.siginfo.algorithmOid = cert.signatureOid;
  // forge exports getTBSCertificate at runtime; its type definitions omit it.
  const tbs = (forge.pki as unknown as { getTBSCertificate(c: forge.pki.Certificate): forge.asn1.Asn1 }).getTBSCertificate(cert);
  (cert as { tbsCertificate?: forge.asn1.Asn1 }).tbsCertificate = tbs;
  const tbsDer = Buffer.from(forge.asn1.toDer(tbs).getBytes(), 'binary');
  const signature = sign('sha256', tbsDer, signer ? signer.privateKey : (issuer as { selfKey: KeyObject }).selfKey);
  cert.signature = signature.toString('binary');
  const der = Buffer.from(forge.asn1.toDer(forge.pki.certificateToAsn1(cert)).getBytes(), 'binary');
  return { pem: new X509Certificate(der).toString().trim(), certificate: cert };
}

function altNamesOf(spec: CertificateSpec): Array<{ type: number; value?: string; ip?: string }> {
  return [
    ...spec.dnsNames.map((value) => ({ type: 2, value })),
    ...spec.emailAddresses.map((value) => ({ type: 1, value })),
    ...spec.ipAddresses.map((ip) => ({ type: 7, ip })),
  ];
}

/** 20 random bytes as Vault uses, first byte 0x01–0x7f so the integer is positive and keeps its length. */
export function newSerialHex(): string {
  const bytes = randomBytes(20);
  bytes[0] = bytes[0]! & 0x7f || 0x01;
  return bytes.toString('hex');
}

/** Vault's serial form: lowercase hex bytes joined with colons ("1f:0a:…"). */
export function colonSerial(hex: string): string {
  return (hex.match(/../g) ?? []).join(':').toLowerCase();
}

/** Accepts Vault's colon or hyphen forms (and a bare hex string) and gives the colon form. */
export function normalizeSerial(serial: string): string {
  const hex = serial.trim().toLowerCase().replace(/[:-]/g, '');
  return colonSerial(hex.length % 2 ? `0${hex}` : hex);
}

/** Go's time.RFC3339Nano in UTC: fractional seconds only when non-zero, trailing zeros dropped. */
export function rfc3339Nano(ms: number): string {
  return new Date(ms).toISOString().replace(/\.?0+Z$/, 'Z');
}
