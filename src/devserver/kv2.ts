import type { Router } from 'express';
import type { DevContext } from './context.js';
import { boolField, durationField, stringMap } from './fields.js';
import { addRoute, type Call } from './route.js';
import { listChildren } from './storage-list.js';
import { badRequest, notFound, type Reply } from './vault-http.js';

interface KvVersion {
  data: Record<string, unknown> | null;
  createdTime: number;
  deletionTime: number | null;
  destroyed: boolean;
}

interface KvSecret {
  versions: Map<number, KvVersion>;
  currentVersion: number;
  createdTime: number;
  updatedTime: number;
  maxVersions: number;
  casRequired: boolean;
  deleteVersionAfter: number;
  customMetadata: Record<string, string> | null;
}

/** KV version 2's default when neither the mount nor the key sets max_versions. */
const DEFAULT_MAX_VERSIONS = 10;
const iso = (ms: number | null): string => (ms === null ? '' : new Date(ms).toISOString());

/** The KV v2 secrets engine at `secret/`: versioned data, metadata, soft delete and destroy. */
export function addKv2Routes(router: Router, ctx: DevContext, mount = 'secret'): void {
  const secrets = new Map<string, KvSecret>();
  const mountType = 'kv';
  const keyOf = (call: Call) => call.params['path'] ?? '';

  const versionMetadata = (secret: KvSecret, version: number) => {
    const v = secret.versions.get(version)!;
    return {
      created_time: iso(v.createdTime), custom_metadata: secret.customMetadata, deletion_time: iso(v.deletionTime),
      destroyed: v.destroyed, version,
    };
  };

  const readData = (call: Call): Reply => {
    const secret = secrets.get(keyOf(call));
    const asked = Number(call.body['version'] ?? 0);
    const version = asked > 0 ? asked : secret?.currentVersion ?? 0;
    const entry = secret?.versions.get(version);
    if (!secret || !entry) throw notFound();
    const metadata = versionMetadata(secret, version);
    // Vault answers a deleted or destroyed version with 404 and the metadata, but no data.
    if (entry.destroyed || (entry.deletionTime !== null && entry.deletionTime <= ctx.now())) {
      return { status: 404, data: { data: null, metadata } };
    }
    return { data: { data: entry.data, metadata } };
  };

  const writeData = (call: Call): Reply => {
    const key = keyOf(call);
    const data = call.body['data'];
    if (typeof data !== 'object' || data === null || Array.isArray(data)) throw badRequest('no data provided');
    const options = (call.body['options'] ?? {}) as Record<string, unknown>;
    const now = ctx.now();
    const secret = secrets.get(key) ?? newSecret(now);
    const cas = options['cas'];
    if (cas === undefined && secret.casRequired) throw badRequest('check-and-set parameter required for this call');
    if (cas !== undefined && Number(cas) !== secret.currentVersion) {
      throw badRequest('check-and-set parameter did not match the current version');
    }
    const version = secret.currentVersion + 1;
    secret.versions.set(version, { data: data as Record<string, unknown>, createdTime: now, deletionTime: null, destroyed: false });
    secret.currentVersion = version;
    secret.updatedTime = now;
    const max = secret.maxVersions || DEFAULT_MAX_VERSIONS;
    for (const old of [...secret.versions.keys()]) if (old <= version - max) secret.versions.delete(old);
    secrets.set(key, secret);
    return { data: versionMetadata(secret, version) };
  };

  const newSecret = (now: number): KvSecret => ({
    versions: new Map(), currentVersion: 0, createdTime: now, updatedTime: now, maxVersions: 0,
    casRequired: false, deleteVersionAfter: 0, customMetadata: null,
  });

  const versionsOf = (call: Call): number[] => {
    const versions = call.body['versions'];
    const list = Array.isArray(versions) ? versions : typeof versions === 'string' ? versions.split(',') : [];
    const numbers = list.map(Number).filter((n) => Number.isInteger(n) && n > 0);
    if (numbers.length === 0) throw badRequest('no version number provided');
    return numbers;
  };
  const eachVersion = (call: Call, change: (v: KvVersion) => void) => {
    const secret = secrets.get(keyOf(call));
    const versions = versionsOf(call);
    if (!secret) return;
    for (const n of versions) {
      const v = secret.versions.get(n);
      if (v) change(v);
    }
  };

  const readMetadata = (call: Call): Reply => {
    const secret = secrets.get(keyOf(call));
    if (!secret) throw notFound();
    const versions = Object.fromEntries(
      [...secret.versions.entries()].map(([n, v]) => [
        String(n), { created_time: iso(v.createdTime), deletion_time: iso(v.deletionTime), destroyed: v.destroyed },
      ]),
    );
    const numbers = [...secret.versions.keys()];
    return {
      data: {
        cas_required: secret.casRequired, created_time: iso(secret.createdTime), current_metadata_version: 0, current_version: secret.currentVersion,
        custom_metadata: secret.customMetadata, delete_version_after: `${secret.deleteVersionAfter}s`,
        // Vault moves oldest_version only when max_versions trims old versions.
        max_versions: secret.maxVersions, metadata_cas_required: false, oldest_version: oldestKept(numbers),
        updated_time: iso(secret.updatedTime), versions,
      },
    };
  };
  const writeMetadata = (call: Call) => {
    const key = keyOf(call);
    const secret = secrets.get(key) ?? newSecret(ctx.now());
    const body = call.body;
    if ('max_versions' in body) secret.maxVersions = Number(body['max_versions']) || 0;
    if ('cas_required' in body) secret.casRequired = boolField(body, 'cas_required', false);
    if ('delete_version_after' in body) secret.deleteVersionAfter = durationField(body, 'delete_version_after');
    if ('custom_metadata' in body) secret.customMetadata = stringMap(body['custom_metadata']);
    secret.updatedTime = ctx.now();
    secrets.set(key, secret);
  };
  const listKeys = (call: Call): Reply => listChildren(secrets.keys(), keyOf(call));

  const exists = (call: Call) => secrets.has(keyOf(call));
  addRoute(router, ctx, `/${mount}/data/*path`, {
    mountType, exists, read: readData, write: writeData,
    delete: (call) => {
      const secret = secrets.get(keyOf(call));
      const latest = secret?.versions.get(secret.currentVersion);
      if (latest && latest.deletionTime === null) latest.deletionTime = ctx.now();
    },
  });
  addRoute(router, ctx, `/${mount}/metadata{/*path}`, {
    mountType, exists, read: readMetadata, write: writeMetadata, list: listKeys,
    delete: (call) => void secrets.delete(keyOf(call)),
  });
  addRoute(router, ctx, `/${mount}/delete/*path`, {
    mountType,
    write: (call) => eachVersion(call, (v) => { if (v.deletionTime === null) v.deletionTime = ctx.now(); }),
  });
  addRoute(router, ctx, `/${mount}/undelete/*path`, {
    mountType,
    write: (call) => eachVersion(call, (v) => { if (!v.destroyed) v.deletionTime = null; }),
  });
  addRoute(router, ctx, `/${mount}/destroy/*path`, {
    mountType,
    write: (call) => eachVersion(call, (v) => { v.destroyed = true; v.data = null; }),
  });
}

/** 0 until versions have been trimmed away, then the first one kept (as Vault reports it). */
function oldestKept(numbers: number[]): number {
  const oldest = numbers.length ? Math.min(...numbers) : 0;
  return oldest > 1 ? oldest : 0;
}
