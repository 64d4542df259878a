import type { VaultClient } from '../vault/client.js';

/** sys/leases/renew: asks for `incrementMs` more; Vault may grant less (max TTL). */
export async function renewLease(
  vault: VaultClient,
  token: string,
  leaseId: string,
  incrementMs: number,
  signal: AbortSignal,
): Promise<{ ttlMs: number; renewable: boolean }> {
  const response = await vault.request('lease_renew', {
    method: 'PUT',
    path: 'sys/leases/renew',
    body: { lease_id: leaseId, increment: Math.max(1, Math.round(incrementMs / 1000)) },
    token,
    signal,
  });
  return { ttlMs: Math.max(0, response.lease_duration ?? 0) * 1000, renewable: Boolean(response.renewable) };
}

export async function revokeLease(vault: VaultClient, token: string, leaseId: string, signal: AbortSignal): Promise<void> {
  await vault.request('lease_revoke', { method: 'PUT', path: 'sys/leases/revoke', body: { lease_id: leaseId }, token, signal, maxRetries: 0 });
}

/** sys/leases/lookup: whether a lease saved by a previous run is still alive, and for how long. */
export async function lookupLease(vault: VaultClient, token: string, leaseId: string, signal: AbortSignal): Promise<{ ttlMs: number; renewable: boolean }> {
  const response = await vault.request<{ ttl?: number; renewable?: boolean }>('lease_lookup', {
    method: 'PUT',
    path: 'sys/leases/lookup',
    body: { lease_id: leaseId },
    token,
    signal,
  });
  return { ttlMs: Math.max(0, response.data?.ttl ?? 0) * 1000, renewable: Boolean(response.data?.renewable) };
}
