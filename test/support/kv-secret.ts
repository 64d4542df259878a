import type { VaultBackend } from './vault-backend.js';

/** Writes a new version of a KV v2 secret as an operator would (root token, POST secret/data/<path>). */
export async function putKv2(backend: Pick<VaultBackend, 'api'>, path: string, data: Record<string, unknown>): Promise<number> {
  const answer = await backend.api.write(`secret/data/${path}`, { data });
  return (answer.data as { version: number }).version;
}
