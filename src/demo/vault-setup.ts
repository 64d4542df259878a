import nodeVault from 'node-vault';

/**
 * The Vault side of the demo, done through Vault's HTTP API exactly as an operator's setup
 * script would do it against a real Vault: a policy, kubernetes auth trusting the service
 * account issuer, a role, a KV v2 secret and a database role.
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
}

export const DEMO_POLICY = `
# Read the app's KV secrets and lease database credentials; nothing else.
path "secret/data/demo/*" {
  capabilities = ["read"]
}
path "database/creds/demo" {
  capabilities = ["read"]
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
  await vault.write('database/roles/demo', {
    db_name: 'demo-postgres',
    creation_statements: [`CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}';`],
    default_ttl: options.dbDefaultTtl ?? '30s',
    max_ttl: options.dbMaxTtl ?? '2m',
  });
}
