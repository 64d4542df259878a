import type { Router } from 'express';
import type { DevContext } from './context.js';
import { durationField, stringField } from './fields.js';
import { addRoute, type Call } from './route.js';
import { badRequest, notFound, VaultHttpError, type Reply } from './vault-http.js';

/** sys/leases/{renew,revoke,lookup,revoke-prefix} plus the legacy sys/renew, sys/revoke forms. */
export function addLeaseRoutes(router: Router, ctx: DevContext): void {
  const { leases } = ctx;
  const mountType = 'system';
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

  const leaseIdOf = (call: Call): string => {
    const id = call.params['id'] || stringField(call.body, 'lease_id');
    if (!id) throw badRequest('lease_id must be specified');
    return id;
  };

  const renew = async (call: Call): Promise<Reply> => {
    const id = leaseIdOf(call);
    let renewed: ReturnType<typeof leases.renew>;
    try {
      renewed = leases.renew(id, durationField(call.body, 'increment'));
    } catch (error) {
      // Unknown, revoked and expired leases all answer 400 "lease not found", as Vault does.
      if (error instanceof VaultHttpError) throw error;
      throw badRequest((error as Error).message);
    }
    const { lease, ttl, warnings } = renewed;
    try {
      await lease.renewSecret?.(new Date(lease.expireAt));
    } catch (error) {
      throw new VaultHttpError(500, [`failed to renew the secret: ${(error as Error).message}`]);
    }
    return { leaseId: lease.id, renewable: lease.renewable, leaseDuration: ttl, warnings };
  };
  const revoke = (call: Call) => leases.revoke(leaseIdOf(call));
  const lookup = (call: Call): Reply => {
    const id = stringField(call.body, 'lease_id');
    if (!id) throw badRequest('lease_id must be specified');
    const lease = leases.get(id);
    if (!lease) throw badRequest('invalid lease');
    return {
      data: {
        expire_time: iso(lease.expireAt), id: lease.id, issue_time: iso(lease.issueTime), last_renewal: iso(lease.lastRenewal),
        // The path the secret was read from: the lease id without its random last part.
        path: lease.id.slice(0, lease.id.lastIndexOf('/')), renewable: lease.renewable, ttl: leases.ttlSeconds(lease),
      },
    };
  };
  const revokePrefix = (call: Call) => {
    const prefix = call.params['prefix'] ?? '';
    leases.revokePrefix(prefix);
    ctx.tokens.revokeByLeasePrefix(prefix);
  };
  /** One level of the lease id tree below the prefix, as Vault lists it: ids, and "dir/" for deeper ones. */
  const listPrefix = (call: Call): Reply => {
    const prefix = (call.params['prefix'] ?? '').replace(/^\/+/, '');
    const keys = new Set<string>();
    for (const id of leases.liveIds(prefix)) {
      const rest = id.slice(prefix.length);
      const slash = rest.indexOf('/');
      keys.add(slash < 0 ? rest : rest.slice(0, slash + 1));
    }
    if (keys.size === 0) throw notFound();
    return { data: { keys: [...keys].sort() } };
  };

  for (const path of ['/sys/leases/renew', '/sys/renew']) {
    addRoute(router, ctx, path, { mountType, write: renew });
    addRoute(router, ctx, `${path}/*id`, { mountType, write: renew });
  }
  for (const path of ['/sys/leases/revoke', '/sys/revoke']) {
    addRoute(router, ctx, path, { mountType, write: revoke });
    addRoute(router, ctx, `${path}/*id`, { mountType, write: revoke });
  }
  addRoute(router, ctx, '/sys/leases/lookup', { mountType, write: lookup, list: listPrefix });
  addRoute(router, ctx, '/sys/leases/lookup/*prefix', { mountType, sudo: true, list: listPrefix });
  for (const path of ['/sys/leases/revoke-prefix/*prefix', '/sys/revoke-prefix/*prefix']) {
    addRoute(router, ctx, path, { mountType, sudo: true, write: revokePrefix });
  }
}
