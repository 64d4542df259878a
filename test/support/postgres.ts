import pg from 'pg';
import { findPostgresBinaries, startPostgresCluster, type PostgresCluster } from '../../src/devserver/postgres-cluster.js';

export type { PostgresCluster };

const INSTALL_HINT =
  'These tests need PostgreSQL (Debian: `apt-get install -y postgresql`; .ci/run installs it). ' +
  'Each test starts its own throwaway cluster with initdb, so no server needs to be running.';

/** A throwaway cluster for one test file; fails (never skips) when PostgreSQL is missing. */
export async function startTestPostgres(): Promise<PostgresCluster> {
  const bin = findPostgresBinaries();
  if (!bin) throw new Error(`PostgreSQL is not installed. ${INSTALL_HINT}`);
  return startPostgresCluster(bin);
}

/** The body of Vault's `database/config/<name>` for this cluster, as an operator would write it. */
export function vaultConnectionConfig(cluster: PostgresCluster, allowedRoles: string): Record<string, unknown> {
  return {
    plugin_name: 'postgresql-database-plugin',
    connection_url: `postgresql://{{username}}:{{password}}@${cluster.host}:${cluster.port}/postgres`,
    username: cluster.superuser,
    password: cluster.superuserPassword,
    allowed_roles: allowedRoles,
  };
}

export function superuserPool(cluster: PostgresCluster): pg.Pool {
  const pool = new pg.Pool({ host: cluster.host, port: cluster.port, user: cluster.superuser, password: cluster.superuserPassword, database: 'postgres', max: 2 });
  pool.on('error', () => undefined);
  return pool;
}

/** Logs in as `user` and runs one query; resolves to the SQLSTATE of the refusal, or 'ok'. */
export async function tryLogin(cluster: PostgresCluster, user: string, password: string, query = 'SELECT 1'): Promise<string> {
  const client = new pg.Client({ host: cluster.host, port: cluster.port, user, password, database: 'postgres' });
  try {
    await client.connect();
    await client.query(query);
    return 'ok';
  } catch (error) {
    return (error as { code?: string }).code ?? (error as Error).message;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Dynamic users still present, i.e. Vault-made roles nobody dropped. */
export async function vaultRoles(pool: pg.Pool): Promise<string[]> {
  const result = await pool.query<{ rolname: string }>("SELECT rolname FROM pg_roles WHERE rolname LIKE 'v-%' ORDER BY rolname");
  return result.rows.map((row) => row.rolname);
}
