import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The PEM blocks of a file, in order, each with its label (CERTIFICATE, RSA PRIVATE KEY, …). */
export function pemBlocks(text: string): Array<{ label: string; pem: string }> {
  return [...text.matchAll(/-----BEGIN ([A-Z ]+)-----[\s\S]*?-----END \1-----\n?/g)].map((match) => ({ label: match[1]!, pem: match[0] }));
}

/** What a TLS server would load from the default pki layout: <name>.crt, <name>.key, <name>-ca.crt. */
export interface CertificateFiles {
  readonly certificate: X509Certificate;
  readonly keyPem: string;
  readonly caPem: string;
  readonly notBefore: number;
  readonly notAfter: number;
  /** Whether the private key on disk belongs to the certificate on disk (they are written one after the other). */
  readonly keyMatches: boolean;
}

export async function readCertificateFiles(directory: string, name: string): Promise<CertificateFiles> {
  const [crt, keyPem, caPem] = await Promise.all(
    [`${name}.crt`, `${name}.key`, `${name}-ca.crt`].map((file) => readFile(join(directory, file), 'utf8')),
  );
  const certificate = new X509Certificate(crt!);
  return {
    certificate,
    keyPem: keyPem!,
    caPem: caPem!,
    notBefore: Date.parse(certificate.validFrom),
    notAfter: Date.parse(certificate.validTo),
    keyMatches: certificate.checkPrivateKey(createPrivateKey(keyPem!)),
  };
}
