import type { Router } from 'express';
import type { DevContext } from './context.js';
import type { DatabaseBackend, DatabaseRoleInfo } from './database-backend.js';
import { durationField, stringField, stringList } from './fields.js';
import { newPassword } from './ids.js';
import { addRoute, type Call } from './route.js';
import { badRequest, notFound, VaultHttpError, type Reply } from './vault-http.js';

/** Vault's rotation queue ticks every 5 s, so a shorter period could never be kept. */
const MIN_ROTATION_PERIOD = 5;
/** The PostgreSQL plugin's password change when a role has no rotation_statements. */
const DEFAULT_ROTATION_STATEMENTS = [`ALTER ROLE "{{username}}" WITH PASSWORD '{{password}}';`];

interface StaticRole {
  readonly name: string;
  dbName: string;
  readonly username: string;
  /** Seconds. */
  rotationPeriod: number;
  rotationStatements: string[];
  password: string;
  /** Epoch ms of the last rotation Vault made (scheduled or rotate-role). */
  lastRotation: number;
  /** Rotations run one at a time: a scheduled catch-up and rotate-role never overlap. */
  queue: Promise<unknown>;
}

export interface StaticRoleOptions {
  mount: string;
  /** The backend a role's user lives in; throws Vault's error for an unknown or disallowed db_name. */
  backendFor: (role: DatabaseRoleInfo) => DatabaseBackend;
  /** Dynamic and static roles share one namespace in Vault. */
  isDynamicRole: (name: string) => boolean;
}

/**
 * The database engine's static roles: one existing database user per role, whose password
 * Vault rotates every rotation_period whether or not anyone reads it. Rotation is computed from
 * ctx.now(), so a test's clock drives it; the password change reaches the database backend when
 * the role is next touched.
 */
export function addStaticRoleRoutes(router: Router, ctx: DevContext, options: StaticRoleOptions): { has(name: string): boolean } {
  const roles = new Map<string, StaticRole>();
  const { mount, backendFor } = options;
  const mountType = 'database';
  const periodMs = (role: StaticRole) => role.rotationPeriod * 1000;

  const exclusive = <T>(role: StaticRole, work: () => Promise<T>): Promise<T> => {
    const result = role.queue.then(work);
    role.queue = result.catch(() => undefined);
    return result;
  };

  /** Sets a new password in the database first; Vault keeps the old one if that fails. */
  const rotate = async (role: StaticRole, at: number): Promise<void> => {
    const info: DatabaseRoleInfo = {
      name: role.name, dbName: role.dbName, revocationStatements: [],
      creationStatements: role.rotationStatements.length ? role.rotationStatements : DEFAULT_ROTATION_STATEMENTS,
    };
    const backend = backendFor(info);
    const password = newPassword();
    try {
      // The PostgreSQL plugin runs rotation statements exactly as it runs creation statements
      // (templated, in one transaction), so the backend's createUser applies them.
      await backend.createUser(info, role.username, password, new Date(at + periodMs(role)));
    } catch (error) {
      throw new VaultHttpError(500, [`error setting credentials: ${(error as Error).message}`]);
    }
    role.password = password;
    role.lastRotation = at;
  };

  /** Catches up with the rotations Vault's queue would have made since the role was last touched. */
  const settle = (role: StaticRole): Promise<void> =>
    exclusive(role, async () => {
      const elapsed = ctx.now() - role.lastRotation;
      if (elapsed < periodMs(role)) return;
      // Only the newest of several missed rotations is observable.
      const at = role.lastRotation + Math.floor(elapsed / periodMs(role)) * periodMs(role);
      // A failed scheduled rotation leaves the old password in place with a ttl of 0, as in Vault.
      await rotate(role, at).catch(() => undefined);
    });

  const known = async (call: Call): Promise<StaticRole | undefined> => {
    const role = roles.get(call.params['name']!);
    if (role) await settle(role);
    return role;
  };

  const writeRole = async (call: Call): Promise<void> => {
    const name = call.params['name']!;
    if (options.isDynamicRole(name)) throw badRequest('Role and Static Role names must be unique');
    const old = roles.get(name);
    const body = call.body;
    const dbName = 'db_name' in body ? stringField(body, 'db_name') : old?.dbName ?? '';
    if (!dbName) throw badRequest('database name is a required field');
    const username = stringField(body, 'username');
    if (!username && !old) throw badRequest('username is a required field to create a static account');
    if (old && old.username !== username) throw badRequest('cannot update static account username');
    const hasPeriod = 'rotation_period' in body;
    if (hasPeriod && stringField(body, 'rotation_schedule')) {
      throw badRequest('mutually exclusive fields rotation_period and rotation_schedule were both specified; only one of them can be provided');
    }
    if (stringField(body, 'rotation_schedule')) throw badRequest('rotation_schedule is not supported by the vaultlet dev server; use rotation_period');
    if (!hasPeriod && !old) throw badRequest('one of rotation_schedule or rotation_period must be provided to create a static account');
    const period = hasPeriod ? durationField(body, 'rotation_period') : old!.rotationPeriod;
    if (period < MIN_ROTATION_PERIOD) throw badRequest(`rotation_period must be ${MIN_ROTATION_PERIOD} seconds or more`);
    const credentialType = stringField(body, 'credential_type') || 'password';
    if (credentialType !== 'password') throw badRequest(`credential_type "${credentialType}" is not supported by the vaultlet dev server`);
    const rotationStatements = 'rotation_statements' in body ? statementList(body['rotation_statements']) : old?.rotationStatements ?? [];
    if (old) {
      // An update keeps the password; the next rotation counts from the last one with the new period.
      Object.assign(old, { dbName, rotationPeriod: period, rotationStatements });
      return;
    }
    const role: StaticRole = {
      name, dbName, username, rotationPeriod: period, rotationStatements, password: '', lastRotation: 0, queue: Promise.resolve(),
    };
    // Vault sets a fresh password on creation; a role whose first rotation fails is not stored.
    await rotate(role, ctx.now());
    roles.set(name, role);
  };

  const readRole = async (call: Call): Promise<Reply> => {
    const role = await known(call);
    if (!role) throw notFound();
    return {
      data: {
        db_name: role.dbName, username: role.username, rotation_period: role.rotationPeriod,
        rotation_statements: role.rotationStatements, credential_type: 'password',
        last_vault_rotation: new Date(role.lastRotation).toISOString(),
      },
    };
  };

  const readCreds = async (call: Call): Promise<Reply> => {
    const role = await known(call);
    if (!role) throw badRequest(`unknown role: ${call.params['name']!}`);
    backendFor({ name: role.name, dbName: role.dbName, creationStatements: [], revocationStatements: [] });
    const ttl = Math.max(0, Math.round((role.lastRotation + periodMs(role) - ctx.now()) / 1000));
    return {
      data: {
        username: role.username, password: role.password, ttl, rotation_period: role.rotationPeriod,
        last_vault_rotation: new Date(role.lastRotation).toISOString(),
      },
    };
  };

  const rotateRole = async (call: Call): Promise<void> => {
    const role = roles.get(call.params['name']!);
    if (!role) throw badRequest('no static role found for role name');
    try {
      await exclusive(role, () => rotate(role, ctx.now()));
    } catch (error) {
      const reason = error instanceof VaultHttpError ? error.errors.join('; ') : (error as Error).message;
      throw new VaultHttpError(500, [
        `unable to finish rotating credentials; retries will continue in the background but it is also safe to retry manually: ${reason}`,
      ]);
    }
  };

  addRoute(router, ctx, `/${mount}/static-roles`, {
    mountType,
    list: () => {
      if (roles.size === 0) throw notFound();
      return { data: { keys: [...roles.keys()].sort() } };
    },
  });
  addRoute(router, ctx, `/${mount}/static-roles/:name`, {
    mountType, exists: (call) => roles.has(call.params['name']!), read: readRole, write: writeRole,
    delete: (call) => void roles.delete(call.params['name']!),
  });
  addRoute(router, ctx, `/${mount}/static-creds/:name`, { mountType, read: readCreds });
  addRoute(router, ctx, `/${mount}/rotate-role/:name`, { mountType, write: rotateRole });
  return { has: (name) => roles.has(name) };
}

/** Statements may be one string (possibly several `;`-separated statements) or a list. */
export function statementList(value: unknown): string[] {
  return stringList(Array.isArray(value) ? value.map(String) : value === undefined ? [] : [String(value)]);
}
