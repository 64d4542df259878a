import type { Router } from 'express';
import type { DevContext } from './context.js';
import { newUuid } from './ids.js';
import { addRoute } from './route.js';
import type { Reply } from './vault-http.js';

export const VAULT_VERSION = '1.15.6-dev';

/** sys/health, sys/seal-status, sys/seal and sys/unseal. Sealing flips `faults.sealed`. */
export function addHealthRoutes(router: Router, ctx: DevContext): void {
  const cluster = { cluster_name: 'vault-cluster-vaultlet-dev', cluster_id: newUuid() };

  const sealStatus = () => ({
    type: 'shamir', initialized: true, sealed: ctx.faults.sealed, t: 1, n: 1, progress: 0, nonce: '',
    version: VAULT_VERSION, build_date: '2024-01-01T00:00:00Z', migration: false,
    ...(ctx.faults.sealed ? {} : cluster), recovery_seal: false, storage_type: 'inmem',
  });

  const health = (query: Record<string, unknown>): Reply => {
    const sealed = ctx.faults.sealed;
    const code = (name: string, fallback: number) => {
      const value = Number(query[name]);
      return Number.isInteger(value) && value > 0 ? value : fallback;
    };
    // A single dev node is always initialized and active: standbyok/perfstandbyok change nothing.
    const status = sealed ? code('sealedcode', 503) : code('activecode', 200);
    return {
      status,
      raw: {
        initialized: true, sealed, standby: sealed,
        replication_performance_mode: 'disabled', replication_dr_mode: 'disabled',
        server_time_utc: Math.floor(ctx.now() / 1000), version: VAULT_VERSION,
        ...(sealed ? {} : cluster),
      },
    };
  };

  addRoute(router, ctx, '/sys/health', { mountType: 'system', unauthenticated: true, read: (call) => health(call.body) });
  addRoute(router, ctx, '/sys/seal-status', { mountType: 'system', unauthenticated: true, read: () => ({ raw: sealStatus() }) });
  addRoute(router, ctx, '/sys/unseal', {
    mountType: 'system',
    unauthenticated: true,
    // Any key unseals at once: the dev server has a 1-of-1 shamir seal with no real key.
    write: () => {
      ctx.faults.sealed = false;
      return { raw: sealStatus() };
    },
  });
  addRoute(router, ctx, '/sys/seal', {
    mountType: 'system',
    sudo: true,
    write: () => {
      ctx.faults.sealed = true;
    },
  });
}
