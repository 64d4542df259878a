import type { Router } from 'express';
import { randomUUID } from 'node:crypto';
import type { DevContext } from './context.js';
import { durationField, stringField, stringList, stringMap } from './fields.js';
import { newUuid } from './ids.js';
import { internalError, intField, roleData, writeRole, type AppRole } from './approle-role.js';
import { effectiveSecretIdTtl, SecretIdStore, secretIdData, type SecretIdEntry } from './approle-secret-ids.js';
import { addRoute, type Call } from './route.js';
import { authBlock } from './token-view.js';
import { badRequest, notFound, VaultHttpError, type Reply } from './vault-http.js';

/** Vault answers every unknown role_id, unknown, used-up or expired secret ID alike. */
const invalidCredentials = () => badRequest('invalid role or secret ID');

/** strutil.ParseArbitraryKeyValues: a JSON object, or comma-separated key=value pairs. */
function parseMetadata(value: unknown): Record<string, string> {
  if (value === undefined || value === null || value === '') return {};
  if (typeof value === 'object') return stringMap(value) ?? {};
  const text = String(value);
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) return stringMap(parsed) ?? {};
  } catch {
    // not JSON: key=value pairs
  }
  const pairs = text.split(',').map((pair) => pair.trim()).filter(Boolean);
  const out: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at <= 0) throw badRequest(`failed to parse metadata: invalid key/value pair "${pair}"`);
    out[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return out;
}

/** The AppRole auth method at auth/approle: roles, role IDs, secret IDs and login. */
export function addApproleRoutes(router: Router, ctx: DevContext, mount = 'approle'): void {
  const roles = new Map<string, AppRole>();
  const secretIds = new SecretIdStore(ctx.now);
  /** One entity per role_id alias, so repeated logins share an entity_id as in Vault. */
  const entities = new Map<string, string>();
  const mountType = 'approle';
  const base = `/auth/${mount}/role/:name`;
  // Role names are case-insensitive: Vault stores new roles lower-cased.
  const nameOf = (call: Call) => call.params['name']!.toLowerCase();
  const roleOf = (call: Call): AppRole | undefined => roles.get(nameOf(call));
  const existingRole = (call: Call, missing: () => VaultHttpError): AppRole => {
    const role = roleOf(call);
    if (!role) throw missing();
    return role;
  };
  const doesNotExist = (call: Call) => () => new VaultHttpError(404, [`role "${call.params['name']}" does not exist`]);

  const saveRole = (role: AppRole) => {
    const holder = [...roles.values()].find((other) => other.roleId === role.roleId && other.name !== role.name);
    if (holder) throw internalError('role_id already in use');
    roles.set(role.name, role);
  };

  const issueSecretId = (call: Call, secretId: string): Reply => {
    if (!secretId) throw badRequest('missing secret_id');
    const role = existingRole(call, doesNotExist(call));
    if (!role.bindSecretId) throw badRequest('bind_secret_id is not set on the role');
    const body = call.body;
    let numUses = role.secretIdNumUses;
    if (body['num_uses'] !== undefined) {
      numUses = intField(body, 'num_uses');
      if (numUses < 0) throw badRequest('num_uses cannot be negative');
      if (role.secretIdNumUses > 0 && (numUses === 0 || numUses > role.secretIdNumUses)) {
        throw badRequest("num_uses cannot be higher than the role's secret_id_num_uses");
      }
    }
    let ttl = role.secretIdTtl;
    if (body['ttl'] !== undefined) {
      ttl = durationField(body, 'ttl');
      if (role.secretIdTtl > 0 && (ttl === 0 || ttl > role.secretIdTtl)) throw badRequest("ttl cannot be longer than the role's secret_id_ttl");
    }
    const entry = secretIds.issue(role.name, secretId, {
      numUses, ttl, metadata: parseMetadata(body['metadata']), cidrList: stringList(body['cidr_list']),
      tokenBoundCidrs: stringList(body['token_bound_cidrs']),
    });
    if (!entry) throw internalError('failed to store secret_id: SecretID is already registered');
    return {
      data: {
        secret_id: secretId, secret_id_accessor: entry.accessor, secret_id_ttl: effectiveSecretIdTtl(entry.ttl),
        secret_id_num_uses: entry.numUses,
      },
    };
  };

  /** secret-id/lookup and destroy name the secret ID in the body; an unknown role is a plain error. */
  const secretIdArgs = (call: Call): { role: AppRole; secretId: string } => {
    const secretId = stringField(call.body, 'secret_id');
    if (!secretId) throw badRequest('missing secret_id');
    return { role: existingRole(call, () => internalError(`role "${call.params['name']}" does not exist`)), secretId };
  };
  const byAccessor = (call: Call): [AppRole, [string, SecretIdEntry]] => {
    const accessor = stringField(call.body, 'secret_id_accessor');
    if (!accessor) throw badRequest('missing secret_id_accessor');
    const role = existingRole(call, () => internalError(`role "${call.params['name']}" does not exist`));
    const found = secretIds.findByAccessor(role.name, accessor);
    if (!found) throw internalError(`failed to find accessor entry for secret_id_accessor: "${accessor}"`);
    return [role, found];
  };

  const login = (call: Call): Reply => {
    const roleId = stringField(call.body, 'role_id').trim();
    if (!roleId) throw badRequest('missing role_id');
    const role = [...roles.values()].find((r) => r.roleId === roleId);
    if (!role) throw invalidCredentials();
    let metadata: Record<string, string> = {};
    if (role.bindSecretId) {
      const secretId = stringField(call.body, 'secret_id').trim();
      if (!secretId) throw badRequest('missing secret_id');
      const entry = secretIds.use(role.name, secretId);
      if (!entry) throw invalidCredentials();
      metadata = { ...entry.metadata };
    }
    const entityId = entities.get(role.roleId) ?? newUuid();
    entities.set(role.roleId, entityId);
    const { token, warnings } = ctx.tokens.create({
      policies: role.tokenPolicies, displayName: mount, meta: { ...metadata, role_name: role.name },
      path: `auth/${mount}/login`, ttl: role.tokenTtl, maxTtl: role.tokenMaxTtl, explicitMaxTtl: role.tokenExplicitMaxTtl,
      period: role.tokenPeriod, renewable: true, entityId, noDefaultPolicy: role.tokenNoDefaultPolicy,
    });
    return { auth: { ...authBlock(token, token.creationTtl), num_uses: role.tokenNumUses }, warnings };
  };

  addRoute(router, ctx, `/auth/${mount}/role`, {
    mountType,
    list: () => {
      if (roles.size === 0) throw notFound();
      return { data: { keys: [...roles.keys()].sort() } };
    },
  });
  addRoute(router, ctx, base, {
    mountType,
    exists: (call) => roles.has(nameOf(call)),
    read: (call) => ({ data: roleData(existingRole(call, notFound)) }),
    write: (call) => {
      const { role, warnings } = writeRole(nameOf(call), call.body, roleOf(call));
      saveRole(role);
      return warnings.length ? { warnings } : undefined;
    },
    delete: (call) => {
      secretIds.flush(nameOf(call));
      roles.delete(nameOf(call));
    },
  });
  addRoute(router, ctx, `${base}/role-id`, {
    mountType,
    read: (call) => ({ data: { role_id: existingRole(call, notFound).roleId } }),
    write: (call) => {
      const role = existingRole(call, notFound);
      const roleId = stringField(call.body, 'role_id');
      if (!roleId) throw badRequest('missing role_id');
      saveRole({ ...role, roleId });
    },
  });
  addRoute(router, ctx, `${base}/secret-id`, {
    mountType,
    write: (call) => issueSecretId(call, randomUUID()),
    list: (call) => {
      const role = existingRole(call, () => badRequest(`role "${call.params['name']}" does not exist`));
      const accessors = secretIds.list(role.name).map((entry) => entry.accessor);
      if (accessors.length === 0) throw notFound();
      return { data: { keys: accessors } };
    },
  });
  addRoute(router, ctx, `${base}/custom-secret-id`, {
    mountType,
    write: (call) => issueSecretId(call, stringField(call.body, 'secret_id')),
  });
  addRoute(router, ctx, `${base}/secret-id/lookup`, {
    mountType,
    write: (call) => {
      const { role, secretId } = secretIdArgs(call);
      const entry = secretIds.find(role.name, secretId);
      return entry ? { data: secretIdData(entry) } : undefined;
    },
  });
  const destroy = (call: Call) => {
    const { role, secretId } = secretIdArgs(call);
    secretIds.destroy(role.name, secretId);
  };
  addRoute(router, ctx, `${base}/secret-id/destroy`, { mountType, write: destroy, delete: destroy });
  addRoute(router, ctx, `${base}/secret-id-accessor/lookup`, {
    mountType,
    write: (call) => ({ data: secretIdData(byAccessor(call)[1][1]) }),
  });
  const destroyByAccessor = (call: Call) => {
    const [role, [secretId]] = byAccessor(call);
    secretIds.destroy(role.name, secretId);
  };
  addRoute(router, ctx, `${base}/secret-id-accessor/destroy`, { mountType, write: destroyByAccessor, delete: destroyByAccessor });
  addRoute(router, ctx, `/auth/${mount}/login`, { mountType, unauthenticated: true, write: login });
}
