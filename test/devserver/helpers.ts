import assert from 'node:assert/strict';
import vault from 'node-vault';
import type { DevServer } from '../../src/devserver/index.js';

/** The refusal node-vault raised: HTTP status and Vault's JSON body. */
export async function vaultError(promise: Promise<unknown>): Promise<{ status: number; body: any }> {
  try {
    await promise;
  } catch (error) {
    const response = (error as { response?: { statusCode: number; body: unknown } }).response;
    if (response) return { status: response.statusCode, body: response.body };
    throw error;
  }
  return assert.fail('expected Vault to refuse the request');
}

export function fakeClock(start = Date.parse('2030-01-01T00:00:00Z')) {
  let time = start;
  return {
    now: () => time,
    advanceSeconds(seconds: number) {
      time += seconds * 1000;
    },
  };
}

export function client(server: DevServer, token = server.rootToken): vault.client {
  return vault({ endpoint: server.url, token });
}

/** A raw request, for paths or shapes node-vault does not cover. */
export async function call(
  server: DevServer,
  method: string,
  path: string,
  options: { token?: string; body?: unknown } = {},
): Promise<{ status: number; body: any; headers: Headers }> {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: {
      ...(options.token ? { 'X-Vault-Token': options.token } : {}),
      ...(options.body !== undefined ? { 'Content-Type': 'application/json' } : {}),
    },
    ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined, headers: response.headers };
}
