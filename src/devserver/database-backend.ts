/**
 * Where dynamic database users live. The default keeps them in memory; a PostgreSQL backend can
 * run the role's creation/revocation statements instead.
 */
export interface DatabaseRoleInfo {
  name: string;
  dbName: string;
  creationStatements: string[];
  revocationStatements: string[];
}

export interface DatabaseBackend {
  createUser(role: DatabaseRoleInfo, username: string, password: string, expiresAt: Date): Promise<void>;
  revokeUser(role: DatabaseRoleInfo, username: string): Promise<void>;
}

export interface DatabaseUser {
  role: string;
  username: string;
  password: string;
  expiresAt: Date;
}

export class InMemoryDatabaseBackend implements DatabaseBackend {
  readonly users = new Map<string, DatabaseUser>();

  async createUser(role: DatabaseRoleInfo, username: string, password: string, expiresAt: Date): Promise<void> {
    this.users.set(username, { role: role.name, username, password, expiresAt });
  }

  async revokeUser(_role: DatabaseRoleInfo, username: string): Promise<void> {
    this.users.delete(username);
  }
}
