import { exportSPKI, generateKeyPair, SignJWT, type CryptoKey } from 'jose';

/**
 * Stands in for the cluster's service account issuer: a key pair whose public half is given to
 * Vault's kubernetes auth (`pem_keys`) and whose private half signs projected-style tokens.
 */
export interface ServiceAccountIssuer {
  readonly publicKeyPem: string;
  sign(claims: { namespace: string; name: string; audience?: string; ttlSeconds?: number }): Promise<string>;
}

export const DEMO_ISSUER = 'https://kubernetes.default.svc.cluster.local';

export async function createServiceAccountIssuer(): Promise<ServiceAccountIssuer> {
  const { publicKey, privateKey } = await generateKeyPair('RS256', { modulusLength: 2048, extractable: true });
  const publicKeyPem = await exportSPKI(publicKey as CryptoKey);
  return {
    publicKeyPem,
    async sign({ namespace, name, audience = 'vault', ttlSeconds = 3600 }) {
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({
        'kubernetes.io': { namespace, serviceaccount: { name, uid: '6a0f2c1e-0000-4000-8000-000000000001' }, pod: { name: `${name}-pod`, uid: '6a0f2c1e-0000-4000-8000-000000000002' } },
      })
        .setProtectedHeader({ alg: 'RS256', kid: 'demo' })
        .setIssuer(DEMO_ISSUER)
        .setSubject(`system:serviceaccount:${namespace}:${name}`)
        // Kubernetes always issues `aud` as an array; Vault's kubernetes auth refuses a bare string (500).
        .setAudience([audience])
        .setIssuedAt(now)
        .setNotBefore(now)
        .setExpirationTime(now + ttlSeconds)
        .sign(privateKey);
    },
  };
}
