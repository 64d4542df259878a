import type { KeyObject } from 'node:crypto';
import type forge from 'node-forge';
import { badRequest } from './vault-http.js';
import { normalizeSerial, rfc3339Nano } from './pki-x509.js';

/** One CA in the mount (Vault 1.11+ "issuer") with its key. */
export interface Issuer {
  readonly id: string;
  readonly name: string;
  readonly keyId: string;
  readonly keyName: string;
  readonly pem: string;
  readonly serial: string;
  readonly certificate: forge.pki.Certificate;
  readonly privateKey: KeyObject;
  readonly notAfter: number;
}

export interface StoredCertificate {
  readonly pem: string;
  readonly serial: string;
  readonly notAfter: number;
  readonly issuerId: string;
  revokedAt?: number;
}

export interface Revocation {
  revocation_time: number;
  revocation_time_rfc3339: string;
  state: 'revoked';
}

/**
 * The mount's CA state: issuers (the first one generated becomes the default, as in Vault when
 * default_follows_latest_issuer is false), the certificate store, and revocations.
 */
export class PkiAuthority {
  private readonly issuers = new Map<string, Issuer>();
  private defaultId: string | undefined;
  private readonly certificates = new Map<string, StoredCertificate>();

  constructor(private readonly now: () => number) {}

  addIssuer(issuer: Issuer): void {
    this.issuers.set(issuer.id, issuer);
    this.defaultId ??= issuer.id;
    this.store({ pem: issuer.pem, serial: issuer.serial, notAfter: issuer.notAfter, issuerId: issuer.id });
  }

  /** Throws Vault's 400 when no CA was generated (or it was deleted). */
  defaultIssuer(): Issuer {
    const issuer = this.defaultId ? this.issuers.get(this.defaultId) : undefined;
    if (!issuer) throw badRequest('no default issuer currently configured');
    return issuer;
  }

  /** DELETE <mount>/root: every issuer and key goes; issued certificates stay readable. */
  deleteIssuers(): void {
    this.issuers.clear();
    this.defaultId = undefined;
  }

  store(certificate: StoredCertificate): void {
    this.certificates.set(certificate.serial, certificate);
  }

  find(serial: string): StoredCertificate | undefined {
    return this.certificates.get(normalizeSerial(serial));
  }

  /** Vault's revokeCert: an unknown serial is an error, an expired certificate a silent no-op. */
  revoke(serialInput: string): Revocation | undefined {
    const serial = normalizeSerial(serialInput);
    for (const issuer of this.issuers.values()) {
      if (issuer.serial === serial) throw badRequest(`adding issuer (id: ${issuer.id}) to its own CRL is not allowed`);
    }
    const stored = this.certificates.get(serial);
    if (!stored) throw badRequest(`certificate with serial ${serialInput} not found`);
    if (stored.revokedAt === undefined) {
      if (stored.notAfter <= this.now()) return undefined;
      stored.revokedAt = this.now();
    }
    return revocationOf(stored.revokedAt);
  }

  /** The lease's revocation: a certificate that is gone or already expired is no failure. */
  revokeFromLease(serial: string): void {
    const stored = this.certificates.get(serial);
    if (stored && stored.revokedAt === undefined && stored.notAfter > this.now()) stored.revokedAt = this.now();
  }
}

export function revocationOf(revokedAt: number): Revocation {
  return { revocation_time: Math.floor(revokedAt / 1000), revocation_time_rfc3339: rfc3339Nano(revokedAt), state: 'revoked' };
}
