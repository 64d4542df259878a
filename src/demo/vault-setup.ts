import nodeVault from 'node-vault';

/**
 * The Vault side of the demo, done through Vault's HTTP API exactly as an operator's setup
 * script would do it against a real Vault: a policy, kubernetes auth trusting the service
 * account issuer, a role, a KV v2 secret and a database role (with its connection, when the
 * demo has a real PostgreSQL).
 */
export interface DemoVaultOptions {
  readonly address: string;
  readonly rootToken: string;
  readonly publicKeyPem: string;
  readonly namespace?: string;
  readonly serviceAccount?: string;
  readonly role?: string;
  readonly tokenTtl?: string;
  readonly tokenMaxTtl?: string;
  readonly dbDefaultTtl?: string;
  readonly dbMaxTtl?: string;
  /**
   * A real PostgreSQL for the database role, written to database/config/demo-postgres as an
   * operator would; without it the dev server keeps the role's users in memory.
   */
  readonly postgres?: DemoPostgres;
  /** A PKI root and a role issuing short-lived certificates for the demo app (a few hundred ms of key generation). */
  readonly pki?: { readonly ttl: string };
}

export interface DemoPostgres {
  readonly host: string;
  readonly port: number;
  /** A superuser (or a user with CREATEROLE) the dev server creates and drops users with. */
  readonly username: string;
  readonly password: string;
}

export const DEMO_POLICY = `
# Read the app's KV secrets and lease database credentials; nothing else.
path "secret/data/demo/*" {
  capabilities = ["read"]
}
path "database/creds/demo" {
  capabilities = ["read"]
}
path "pki/issue/demo" {
  capabilities = ["update"]
}
`;

export async function setupDemoVault(options: DemoVaultOptions): Promise<void> {
  const vault = nodeVault({ endpoint: options.address, token: options.rootToken });
  const role = options.role ?? 'demo';
  await vault.write('sys/policies/acl/demo-app', { policy: DEMO_POLICY });
  await vault.write('auth/kubernetes/config', { kubernetes_host: 'https://kubernetes.default.svc', pem_keys: [options.publicKeyPem] });
  await vault.write(`auth/kubernetes/role/${role}`, {
    bound_service_account_names: [options.serviceAccount ?? 'demo-app'],
    bound_service_account_namespaces: [options.namespace ?? 'default'],
    audience: 'vault',
    token_policies: ['demo-app'],
    token_ttl: options.tokenTtl ?? '60s',
    token_max_ttl: options.tokenMaxTtl ?? '10m',
  });
  await vault.write('secret/data/demo/config', { data: { api_url: 'https://api.example.internal', feature_flags: 'search,beta-ui', api_key: 'demo-kv-secret-1' } });
  if (options.postgres) {
    await vault.write('database/config/demo-postgres', {
      plugin_name: 'postgresql-database-plugin',
      connection_url: `postgresql://{{username}}:{{password}}@${options.postgres.host}:${options.postgres.port}/postgres`,
      username: options.postgres.username,
      password: options.postgres.password,
      allowed_roles: ['demo'],
    });
  }
  if (options.pki) {
    await vault.write('pki/root/generate/internal', { common_name: 'vaultlet demo root CA', ttl: '720h' });
    await vault.write('pki/roles/demo', { allowed_domains: ['svc'], allow_subdomains: true, ttl: options.pki.ttl, max_ttl: '24h' });
  }
  await vault.write('database/roles/demo', {
    db_name: 'demo-postgres',
    creation_statements: [
      `CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}';`,
      `GRANT SELECT ON ALL TABLES IN SCHEMA public TO "{{name}}";`,
    ],
    default_ttl: options.dbDefaultTtl ?? '30s',
    max_ttl: options.dbMaxTtl ?? '2m',
  });
}
