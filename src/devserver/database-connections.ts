import { InMemoryDatabaseBackend, type DatabaseBackend, type DatabaseRoleInfo } from './database-backend.js';
import { boolField, stringField, stringList } from './fields.js';
import { PostgresBackend } from './postgres-backend.js';
import { badRequest, VaultHttpError } from './vault-http.js';

export const POSTGRES_PLUGIN = 'postgresql-database-plugin';

/** Fields of database/config that belong to Vault; the rest are the plugin's connection details. */
const ENGINE_FIELDS = new Set(['name', 'plugin_name', 'plugin_version', 'allowed_roles', 'verify_connection', 'password_policy', 'root_rotation_statements']);

interface Connection {
  pluginName: string;
  allowedRoles: string[];
  verifyConnection: boolean;
  /** Connection details as given, password included (never shown). */
  details: Record<string, unknown>;
  /** Only for PostgreSQL, and only when this server connects to databases. */
  live?: PostgresBackend;
}

export interface DatabaseConnectionsOptions {
  /** Where users go for roles with no live connection; default in memory. */
  fallback?: DatabaseBackend;
  /**
   * Open a real connection for postgresql-database-plugin configs (default true). False keeps
   * configs as records only, for a server given its own backend.
   */
  connect?: boolean;
}

/**
 * The `database/config/<name>` entries. A PostgreSQL config gets a live connection, verified on
 * write as Vault does, and the roles naming it create real users through it; roles on any other
 * connection, or on none while no database is connected, use the fallback (in memory).
 */
export class DatabaseConnections implements DatabaseBackend {
  private readonly connections = new Map<string, Connection>();
  private readonly fallback: DatabaseBackend;
  private readonly connect: boolean;

  constructor(options: DatabaseConnectionsOptions = {}) {
    this.fallback = options.fallback ?? new InMemoryDatabaseBackend();
    this.connect = options.connect ?? true;
  }

  async write(name: string, body: Record<string, unknown>): Promise<void> {
    const old = this.connections.get(name);
    const pluginName = stringField(body, 'plugin_name') || old?.pluginName || '';
    if (!pluginName) throw badRequest('empty plugin name');
    const details = { ...old?.details };
    for (const [key, value] of Object.entries(body)) if (!ENGINE_FIELDS.has(key)) details[key] = value;
    const connection: Connection = {
      pluginName, details,
      allowedRoles: 'allowed_roles' in body ? stringList(body['allowed_roles']) : old?.allowedRoles ?? [],
      verifyConnection: boolField(body, 'verify_connection', true),
    };
    if (this.connect && pluginName === POSTGRES_PLUGIN) connection.live = await this.open(connection);
    this.connections.set(name, connection);
    await old?.live?.close();
  }

  /** Vault's read shape; the password is never returned. */
  read(name: string): Record<string, unknown> | undefined {
    const connection = this.connections.get(name);
    if (!connection) return undefined;
    const { password: _password, ...shown } = connection.details;
    return {
      plugin_name: connection.pluginName, plugin_version: '', connection_details: shown,
      allowed_roles: connection.allowedRoles, verify_connection: connection.verifyConnection,
      password_policy: '', root_credentials_rotate_statements: [],
    };
  }

  async delete(name: string): Promise<void> {
    const connection = this.connections.get(name);
    this.connections.delete(name);
    await connection?.live?.close();
  }

  names(): string[] {
    return [...this.connections.keys()];
  }

  /**
   * The backend a role's users live in, refused as Vault refuses it: the role must be in the
   * connection's allowed_roles, and once a real database is connected its db_name must exist.
   */
  backendFor(role: DatabaseRoleInfo): DatabaseBackend {
    const connection = this.connections.get(role.dbName);
    if (!connection) {
      const anyLive = [...this.connections.values()].some((c) => c.live);
      if (anyLive) throw new VaultHttpError(500, [`failed to find entry for connection with name: "${role.dbName}"`]);
      return this.fallback;
    }
    if (!connection.allowedRoles.some((pattern) => globMatch(pattern, role.name))) {
      throw new VaultHttpError(500, [`"${role.name}" is not an allowed role`]);
    }
    return connection.live ?? this.fallback;
  }

  createUser(role: DatabaseRoleInfo, username: string, password: string, expiresAt: Date): Promise<void> {
    return this.backendFor(role).createUser(role, username, password, expiresAt);
  }

  /** Looked up at revoke time, as Vault does: the connection may have been rewritten since. */
  revokeUser(role: DatabaseRoleInfo, username: string): Promise<void> {
    return this.current(role).revokeUser(role, username);
  }

  /** Vault's renew: a real database moves VALID UNTIL; in memory there is nothing to do. */
  async renewUser(role: DatabaseRoleInfo, username: string, expiresAt: Date): Promise<void> {
    const backend = this.current(role);
    if (backend instanceof PostgresBackend) await backend.renewUser(role, username, expiresAt);
  }

  /** Closes every live connection. Safe to call twice. */
  async close(): Promise<void> {
    await Promise.all([...this.connections.values()].map((connection) => connection.live?.close()));
  }

  private current(role: DatabaseRoleInfo): DatabaseBackend {
    return this.connections.get(role.dbName)?.live ?? this.fallback;
  }

  private async open(connection: Connection): Promise<PostgresBackend> {
    const url = stringField(connection.details, 'connection_url');
    if (!url) throw badRequest('error creating database object: connection_url cannot be empty');
    const backend = new PostgresBackend({
      connectionUrl: url,
      username: stringField(connection.details, 'username'),
      password: stringField(connection.details, 'password'),
      maxOpenConnections: Number(connection.details['max_open_connections'] ?? 0) || 4,
    });
    if (!connection.verifyConnection) return backend;
    try {
      await backend.verifyConnection();
      return backend;
    } catch (error) {
      await backend.close();
      throw badRequest(`error creating database object: error verifying connection: ${(error as Error).message}`);
    }
  }
}

/** Vault's allowed_roles matching: exact names, or `*` anywhere in a pattern. */
function globMatch(pattern: string, name: string): boolean {
  const regex = new RegExp(`^${pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return regex.test(name);
}
