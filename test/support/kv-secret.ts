import type { DevServer } from '../../src/devserver/index.js';

/** Writes a new version of a KV v2 secret as an operator would (root token, POST secret/data/<path>). */
export async function putKv2(server: DevServer, path: string, data: Record<string, unknown>): Promise<number> {
  const response = await fetch(`${server.url}/v1/secret/data/${path}`, {
    method: 'POST',
    headers: { 'X-Vault-Token': server.rootToken, 'content-type': 'application/json' },
    body: JSON.stringify({ data }),
  });
  if (response.status !== 200) throw new Error(`writing secret/data/${path} failed with HTTP ${response.status}`);
  return ((await response.json()) as { data: { version: number } }).data.version;
}
