import { X509Certificate } from 'node:crypto';
import type { Lease } from '../lease/lease.js';
import { DEFAULT_REFRESH_MS, unusableAnswer, type SecretSource } from './source.js';

/**
 * PKI: POST <mount>/issue/<role> with the configured parameters. Timing comes from the
 * certificate itself (NotBefore → NotAfter), since Vault gives PKI leases only for roles with
 * generate_lease, and renewing such a lease would not extend the certificate.
 */
export function pkiSource(
  config: { name: string; mount: string; role: string; params: Record<string, unknown> },
  now: () => number,
): SecretSource {
  const path = `${config.mount}/issue/${config.role}`;
  return {
    name: config.name,
    engine: 'pki',
    key: JSON.stringify(['pki', path, config.params]),
    refreshIntervalMs: DEFAULT_REFRESH_MS,
    async read(vault, token, signal): Promise<Lease> {
      const response = await vault.request('secret_read', { method: 'POST', path, token, signal, body: config.params });
      const obtainedAt = now();
      const data = response.data;
      const validity = data ? certificateValidity(data['certificate']) : undefined;
      if (!data || !validity) {
        throw unusableAnswer(`secret "${config.name}": ${path} answered without a parseable certificate`, response);
      }
      return {
        id: response.lease_id ?? '',
        ttlMs: Math.max(0, validity.until - obtainedAt),
        renewable: false,
        obtainedAt,
        validity: { ...validity, rotate: 'before' },
        data,
      };
    },
  };
}

function certificateValidity(pem: unknown): { from: number; until: number } | undefined {
  if (typeof pem !== 'string') return undefined;
  try {
    const certificate = new X509Certificate(pem);
    const from = Date.parse(certificate.validFrom);
    const until = Date.parse(certificate.validTo);
    return Number.isNaN(from) || Number.isNaN(until) ? undefined : { from, until };
  } catch {
    return undefined;
  }
}
