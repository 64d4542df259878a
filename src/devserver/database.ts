import type { Router } from 'express';
import type { DevContext } from './context.js';
import type { DatabaseRoleInfo } from './database-backend.js';
import { DatabaseConnections } from './database-connections.js';
import { addStaticRoleRoutes, statementList } from './database-static.js';
import { durationField, stringField } from './fields.js';
import { newPassword, randomAlphanumeric } from './ids.js';
import { addRoute, type Call } from './route.js';
import { calculateTtl, SYSTEM_DEFAULT_TTL } from './ttl.js';
import { badRequest, notFound, VaultHttpError, type Reply } from './vault-http.js';

/** Vault sets a new user's expiry this far past the lease's, so the login outlives the lease. */
const USER_EXPIRY_BUFFER_MS = 5000;

interface DatabaseRole extends DatabaseRoleInfo {
  defaultTtl: number;
  maxTtl: number;
}

/**
 * The database secrets engine at `database/`: roles and dynamic credentials, each a lease whose
 * revocation or expiry drops the user through the pluggable DatabaseBackend.
 */
export function addDatabaseRoutes(router: Router, ctx: DevContext, mount = 'database'): void {
  const roles = new Map<string, DatabaseRole>();
  // The server's own registry connects to PostgreSQL; a backend given by the caller handles every
  // role, and configs are then only records.
  const connections = ctx.databaseBackend instanceof DatabaseConnections
    ? ctx.databaseBackend
    : new DatabaseConnections({ fallback: ctx.databaseBackend, connect: false });
  const mountType = 'database';
  const staticRoles = addStaticRoleRoutes(router, ctx, {
    mount, backendFor: (role) => connections.backendFor(role), isDynamicRole: (name) => roles.has(name),
  });

  const writeRole = (call: Call) => {
    const name = call.params['name']!;
    if (staticRoles.has(name)) throw badRequest('Role and Static Role names must be unique');
    const old = roles.get(name);
    const body = call.body;
    const dbName = stringField(body, 'db_name') || old?.dbName || '';
    if (!dbName) throw badRequest('empty database name attribute');
    const role: DatabaseRole = {
      name, dbName,
      creationStatements: 'creation_statements' in body ? statementList(body['creation_statements']) : old?.creationStatements ?? [],
      revocationStatements: 'revocation_statements' in body ? statementList(body['revocation_statements']) : old?.revocationStatements ?? [],
      defaultTtl: 'default_ttl' in body ? durationField(body, 'default_ttl') : old?.defaultTtl ?? 0,
      maxTtl: 'max_ttl' in body ? durationField(body, 'max_ttl') : old?.maxTtl ?? 0,
    };
    if (role.creationStatements.length === 0) throw badRequest('creation statements are required');
    if (role.maxTtl > 0 && role.defaultTtl > role.maxTtl) throw badRequest('ttl cannot be greater than max_ttl');
    roles.set(name, role);
  };
  const readRole = (call: Call): Reply => {
    const role = roles.get(call.params['name']!);
    if (!role) throw notFound();
    return {
      data: {
        db_name: role.dbName, creation_statements: role.creationStatements,
        revocation_statements: role.revocationStatements, rollback_statements: [], renew_statements: [],
        default_ttl: role.defaultTtl, max_ttl: role.maxTtl, credential_type: 'password',
      },
    };
  };

  const creds = async (call: Call): Promise<Reply> => {
    const roleName = call.params['name']!;
    const role = roles.get(roleName);
    if (!role) throw badRequest(`unknown role: ${roleName}`);
    const token = call.token!;
    const backend = connections.backendFor(role);
    // Vault's default username template: v-{{display_name|truncate 8}}-{{role|truncate 8}}-{{random 20}}-{{unix_time}}
    const username = `v-${token.displayName.slice(0, 8)}-${roleName.slice(0, 8)}-${randomAlphanumeric(20)}-${Math.floor(ctx.now() / 1000)}`.slice(0, 63);
    const password = newPassword();
    const ttl = role.defaultTtl || SYSTEM_DEFAULT_TTL;
    // As in Vault, the user exists before its lease does: a failed creation leaves no lease.
    const now = ctx.now();
    const granted = calculateTtl({ increment: 0, defaultTtl: ttl, maxTtl: role.maxTtl, issueTime: now, now }).ttl;
    try {
      await backend.createUser(role, username, password, new Date(now + granted * 1000 + USER_EXPIRY_BUFFER_MS));
    } catch (error) {
      throw error instanceof VaultHttpError ? error : new VaultHttpError(500, [(error as Error).message]);
    }
    const lease = ctx.leases.create({
      prefix: `${mount}/creds/${roleName}`, ttl, maxTtl: role.maxTtl, renewable: true, tokenId: token.id,
      revokeSecret: () => connections.revokeUser(role, username),
      renewSecret: (expireAt) => connections.renewUser(role, username, expireAt),
    });
    return { leaseId: lease.id, renewable: true, leaseDuration: Math.round((lease.expireAt - lease.issueTime) / 1000), data: { username, password } };
  };

  const list = (names: Iterable<string>): Reply => {
    const keys = [...names].sort();
    if (keys.length === 0) throw notFound();
    return { data: { keys } };
  };

  addRoute(router, ctx, `/${mount}/roles`, { mountType, list: () => list(roles.keys()) });
  addRoute(router, ctx, `/${mount}/roles/:name`, {
    mountType, exists: (call) => roles.has(call.params['name']!), read: readRole, write: writeRole,
    delete: (call) => void roles.delete(call.params['name']!),
  });
  addRoute(router, ctx, `/${mount}/creds/:name`, { mountType, read: creds });
  addRoute(router, ctx, `/${mount}/config`, { mountType, list: () => list(connections.names()) });
  addRoute(router, ctx, `/${mount}/config/:name`, {
    mountType,
    exists: (call) => connections.read(call.params['name']!) !== undefined,
    write: (call) => connections.write(call.params['name']!, call.body),
    read: (call) => {
      const config = connections.read(call.params['name']!);
      if (!config) throw notFound();
      return { data: config };
    },
    delete: (call) => connections.delete(call.params['name']!),
  });
}
