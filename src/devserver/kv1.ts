import type { Router } from 'express';
import type { DevContext } from './context.js';
import { DurationError, parseDurationSeconds } from './durations.js';
import { addRoute, type Call } from './route.js';
import { listChildren } from './storage-list.js';
import { SYSTEM_DEFAULT_TTL } from './ttl.js';
import { badRequest, notFound, type Reply } from './vault-http.js';

type Entry = Record<string, unknown>;

/**
 * The KV version 1 secrets engine at `kv/`: a write replaces the whole entry, there are no
 * versions, and a read carries no lease — only lease_duration as a re-read hint.
 */
export function addKv1Routes(router: Router, ctx: DevContext, mount = 'kv'): void {
  const entries = new Map<string, Entry>();
  const keyOf = (call: Call) => call.params['path'] ?? '';

  const read = (call: Call): Reply => {
    const entry = entries.get(keyOf(call));
    if (!entry) throw notFound();
    return { data: structuredClone(entry), leaseDuration: rereadHintSeconds(entry) };
  };

  const write = (call: Call): void => {
    const key = keyOf(call);
    if (key === '') throw badRequest('missing path');
    if (Object.keys(call.body).length === 0) throw badRequest('missing data fields');
    entries.set(key, structuredClone(call.body));
  };

  const list = (call: Call): Reply => listChildren(entries.keys(), keyOf(call));

  addRoute(router, ctx, `/${mount}{/*path}`, {
    mountType: 'kv',
    exists: (call) => entries.has(keyOf(call)),
    read, write, list,
    delete: (call) => void entries.delete(keyOf(call)),
  });
}

/**
 * Vault's passthrough backend: a `ttl` key (or the older `lease`) in the data sets
 * lease_duration; without one, or when it does not parse, the mount's default lease TTL applies.
 */
function rereadHintSeconds(entry: Entry): number {
  const raw = 'ttl' in entry ? entry['ttl'] : entry['lease'];
  if (raw === undefined) return SYSTEM_DEFAULT_TTL;
  try {
    return parseDurationSeconds(raw);
  } catch (error) {
    if (error instanceof DurationError) return SYSTEM_DEFAULT_TTL;
    throw error;
  }
}
