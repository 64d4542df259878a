import pg from 'pg';
import type { DatabaseBackend, DatabaseRoleInfo } from './database-backend.js';
import { DEFAULT_RENEW_STATEMENTS, fillTemplate, formatExpiration, renderStatements, type StatementValues } from './postgres-statements.js';

/** The connection fields of Vault's `database/config/<name>` for postgresql-database-plugin. */
export interface PostgresConnectionOptions {
  /** e.g. `postgresql://{{username}}:{{password}}@127.0.0.1:5432/postgres`. */
  connectionUrl: string;
  username?: string;
  password?: string;
  /** Vault's max_open_connections; default 4. */
  maxOpenConnections?: number;
}

/**
 * Dynamic users in a real PostgreSQL, the way Vault's postgresql-database-plugin makes them:
 * the role's creation statements in one transaction, `ALTER ROLE ... VALID UNTIL` on renewal,
 * and on revocation the role's revocation statements or, without any, revoke every privilege
 * and `DROP ROLE IF EXISTS`.
 */
export class PostgresBackend implements DatabaseBackend {
  private readonly pool: pg.Pool;
  /** Secret values that must never reach an error message. */
  private readonly secrets: string[];
  private closing: Promise<void> | undefined;

  constructor(options: PostgresConnectionOptions) {
    // Vault URL-escapes the root credentials into the connection URL's placeholders.
    const connectionString = fillTemplate(options.connectionUrl, {
      username: encodeURIComponent(options.username ?? ''),
      password: encodeURIComponent(options.password ?? ''),
    });
    this.secrets = [options.password, options.password && encodeURIComponent(options.password)].filter((s): s is string => Boolean(s));
    this.pool = new pg.Pool({ connectionString, max: options.maxOpenConnections ?? 4, idleTimeoutMillis: 10_000, allowExitOnIdle: true });
    // An idle connection the server drops (restart, shutdown) is discarded by the pool; without a
    // listener the 'error' event would crash the process.
    this.pool.on('error', () => undefined);
  }

  /** Vault's verify_connection: fails when the database cannot be reached or refuses the login. */
  async verifyConnection(): Promise<void> {
    await this.guarded(() => this.pool.query('SELECT 1'));
  }

  async createUser(role: DatabaseRoleInfo, username: string, password: string, expiresAt: Date): Promise<void> {
    const values = { name: username, username, password, expiration: formatExpiration(expiresAt) };
    await this.transaction(role.creationStatements, values, [password]);
  }

  async renewUser(_role: DatabaseRoleInfo, username: string, expiresAt: Date): Promise<void> {
    await this.transaction(DEFAULT_RENEW_STATEMENTS, { name: username, username, expiration: formatExpiration(expiresAt) });
  }

  async revokeUser(role: DatabaseRoleInfo, username: string): Promise<void> {
    if (role.revocationStatements.length > 0) {
      await this.transaction(role.revocationStatements, { name: username, username });
    } else {
      await this.guarded(() => this.defaultRevoke(username));
    }
  }

  /** Ends every pooled connection. Safe to call twice. */
  close(): Promise<void> {
    this.closing ??= this.pool.end().catch(() => undefined);
    return this.closing;
  }

  private async transaction(statements: readonly string[], values: StatementValues, secrets: string[] = []): Promise<void> {
    await this.guarded(async () => {
      const client = await this.pool.connect();
      try {
        await client.query('BEGIN');
        for (const query of renderStatements(statements, values)) await client.query(query);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    }, secrets);
  }

  /**
   * Vault's default: revoke what the user was granted (a role with privileges cannot be dropped),
   * carrying on past failures to strip as much as possible, then drop it.
   */
  private async defaultRevoke(username: string): Promise<void> {
    const exists = await this.pool.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [username]);
    if (exists.rowCount === 0) return;
    const user = pg.escapeIdentifier(username);
    const granted = await this.pool.query<{ schema: string }>(
      'SELECT DISTINCT table_schema AS schema FROM information_schema.role_table_grants WHERE grantee = $1', [username],
    );
    const database = (await this.pool.query<{ name: string }>('SELECT current_database() AS name')).rows[0]!.name;
    const schemas = new Set([...granted.rows.map((row) => row.schema), 'public']);
    const revokes = [
      ...[...schemas].flatMap((schema) => [
        `REVOKE ALL PRIVILEGES ON ALL TABLES IN SCHEMA ${pg.escapeIdentifier(schema)} FROM ${user}`,
        `REVOKE ALL PRIVILEGES ON ALL SEQUENCES IN SCHEMA ${pg.escapeIdentifier(schema)} FROM ${user}`,
        `REVOKE USAGE ON SCHEMA ${pg.escapeIdentifier(schema)} FROM ${user}`,
      ]),
      `REVOKE CONNECT ON DATABASE ${pg.escapeIdentifier(database)} FROM ${user}`,
    ];
    let lastFailure: unknown;
    for (const query of revokes) await this.pool.query(query).catch((error: unknown) => void (lastFailure = error));
    if (lastFailure) throw lastFailure;
    await this.pool.query(`DROP ROLE IF EXISTS ${user}`);
  }

  /** Runs `work`, rethrowing failures as plain Errors with every secret value masked. */
  private async guarded<T>(work: () => Promise<T>, extraSecrets: string[] = []): Promise<T> {
    try {
      return await work();
    } catch (error) {
      let message = error instanceof Error ? error.message : String(error);
      for (const secret of [...this.secrets, ...extraSecrets]) message = message.split(secret).join('[password]');
      throw new Error(message);
    }
  }
}
