import nodeVault from 'node-vault';

/**
 * The Vault side of the demo and the tests, done through Vault's HTTP API exactly as an
 * operator's setup script would do it against a real Vault (the dev server or OpenBao): the
 * engines and auth methods enabled, a policy, kubernetes auth (asking a TokenReview API, or
 * trusting the issuer key), a role, a KV v2 secret and a database role (with its connection,
 * when there is a real PostgreSQL), and optionally a PKI root and role.
 */
export interface DemoVaultOptions {
  readonly address: string;
  readonly rootToken: string;
  readonly publicKeyPem: string;
  /**
   * The cluster's TokenReview API, which Vault asks about every login (OpenBao needs it). Without
   * it kubernetes auth gets `pem_keys` only, which only the dev server accepts on its own.
   */
  readonly kubernetes?: { readonly host: string; readonly caPem: string; readonly reviewerJwt?: string };
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

/** Where each engine and auth method lives; a real Vault starts with only `secret/` (in dev mode). */
const SECRETS_ENGINES: Record<string, Record<string, unknown>> = {
  secret: { type: 'kv', options: { version: '2' } },
  kv: { type: 'kv', options: { version: '1' } },
  database: { type: 'database' },
  pki: { type: 'pki' },
};
const AUTH_METHODS = ['kubernetes', 'jwt', 'approle'];

export async function setupDemoVault(options: DemoVaultOptions): Promise<void> {
  const vault = nodeVault({ endpoint: options.address, token: options.rootToken });
  const role = options.role ?? 'demo';
  // Enabling what is there already is Vault's 400 "path is already in use": fine on a re-run.
  const enable = (path: string, body: Record<string, unknown>) =>
    vault.write(path, body).catch((error: Error) => {
      if (!/path is already in use/.test(error.message)) throw error;
    });
  for (const [path, body] of Object.entries(SECRETS_ENGINES)) await enable(`sys/mounts/${path}`, body);
  for (const type of AUTH_METHODS) await enable(`sys/auth/${type}`, { type });
  await vault.write('sys/policies/acl/demo-app', { policy: DEMO_POLICY });
  const k8s = options.kubernetes;
  await vault.write('auth/kubernetes/config', k8s
    ? { kubernetes_host: k8s.host, kubernetes_ca_cert: k8s.caPem, ...(k8s.reviewerJwt ? { token_reviewer_jwt: k8s.reviewerJwt } : {}) }
    : { kubernetes_host: 'https://kubernetes.default.svc', pem_keys: [options.publicKeyPem] });
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
      // Every role of this connection: the demo's, and those the tests add.
      allowed_roles: ['*'],
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
