import { DEMO_ISSUER, type ServiceAccountIssuer } from '../../src/demo/service-account.js';
import type { TokenReviewer } from '../../src/demo/token-review.js';
import { type PostgresCluster, superuserPool, vaultConnectionConfig } from './postgres.js';

/** One answer as the differential test compares it. */
export interface Observation {
  readonly step: string;
  readonly status: number;
  readonly body: unknown;
  /** A number the two servers must agree on within a second (TTLs), or any other value exactly. */
  readonly fact?: number | string | boolean;
}

export interface ScenarioTarget {
  readonly url: string;
  readonly rootToken: string;
  readonly postgres: PostgresCluster;
  readonly reviewer: TokenReviewer;
  readonly issuer: ServiceAccountIssuer;
}

/** Everything the agent may read; `secret/data/other` stays out so a denied path can be asked for. */
const APP_POLICY = `
path "secret/data/demo/*" { capabilities = ["read"] }
path "secret/metadata/demo/*" { capabilities = ["read"] }
path "kv/app/*" { capabilities = ["read"] }
path "database/creds/demo" { capabilities = ["read"] }
path "database/static-creds/app-static" { capabilities = ["read"] }
path "database/creds/long" { capabilities = ["read"] }
path "pki/issue/demo" { capabilities = ["update"] }
path "sys/leases/revoke" { capabilities = ["update"] }
`;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Every request the setup and the agent make, and the error cases, in one script run against a
 * fresh server. Each answer is recorded under its step name; lease and token behaviour is also
 * recorded as facts (capped TTLs, what is left after a revocation).
 */
export async function runDifferentialScenario(target: ScenarioTarget): Promise<Observation[]> {
  const observations: Observation[] = [];
  const send = async (step: string, method: string, path: string, options: { body?: unknown; token?: string | null; wrapTtl?: string; headers?: Record<string, string> } = {}) => {
    const headers: Record<string, string> = { ...options.headers };
    const token = options.token === undefined ? target.rootToken : options.token;
    if (token) headers['X-Vault-Token'] = token;
    if (options.wrapTtl) headers['X-Vault-Wrap-TTL'] = options.wrapTtl;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${target.url}/v1/${path}${method === 'LIST' ? '?list=true' : ''}`, {
      method: method === 'LIST' ? 'GET' : method, headers, ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
    });
    const text = await response.text();
    let body: any = text;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      // kept as text: a non-JSON answer is a difference of its own
    }
    observations.push({ step, status: response.status, body });
    return body;
  };
  const fact = (step: string, value: number | string | boolean) => observations.push({ step, status: 0, body: null, fact: value });
  /** Whether a lease is still there, waiting up to 3 s for the server to finish revoking it. */
  const leaseGone = async (leaseId: string) => {
    for (let i = 0; i < 30; i++) {
      const response = await fetch(`${target.url}/v1/sys/leases/lookup`, { method: 'PUT', headers: { 'X-Vault-Token': target.rootToken }, body: JSON.stringify({ lease_id: leaseId }) });
      if (response.status === 400) return true;
      await sleep(100);
    }
    return false;
  };

  // The platform team's setup.
  for (const [path, body] of [['database', { type: 'database' }], ['pki', { type: 'pki' }], ['kv', { type: 'kv', options: { version: '1' } }]] as const) {
    await send(`enable secrets engine ${path}`, 'POST', `sys/mounts/${path}`, { body });
  }
  for (const type of ['kubernetes', 'jwt', 'approle']) await send(`enable auth method ${type}`, 'POST', `sys/auth/${type}`, { body: { type } });
  await send('write policy', 'PUT', 'sys/policies/acl/app', { body: { policy: APP_POLICY } });
  await send('read policy', 'GET', 'sys/policies/acl/app');
  const reviewerJwt = await target.issuer.sign({ namespace: 'vault', name: 'vault', audience: DEMO_ISSUER });
  await send('kubernetes config', 'POST', 'auth/kubernetes/config', { body: { kubernetes_host: target.reviewer.url, kubernetes_ca_cert: target.reviewer.caPem, token_reviewer_jwt: reviewerJwt } });
  await send('kubernetes config read', 'GET', 'auth/kubernetes/config');
  await send('kubernetes role', 'POST', 'auth/kubernetes/role/app', {
    body: { bound_service_account_names: ['app'], bound_service_account_namespaces: ['apps'], audience: 'vault', token_policies: ['app'], token_ttl: '4s', token_max_ttl: '10s' },
  });
  await send('kubernetes role read', 'GET', 'auth/kubernetes/role/app');
  await send('jwt config', 'POST', 'auth/jwt/config', { body: { jwt_validation_pubkeys: [target.issuer.publicKeyPem], bound_issuer: DEMO_ISSUER } });
  await send('jwt role', 'POST', 'auth/jwt/role/app', { body: { role_type: 'jwt', bound_audiences: ['vault'], user_claim: 'sub', token_policies: ['app'], token_ttl: '1h' } });
  await send('approle role', 'POST', 'auth/approle/role/app', { body: { token_policies: ['app'], token_ttl: '1h' } });
  const roleId = (await send('approle role-id', 'GET', 'auth/approle/role/app/role-id'))?.data?.role_id as string;
  const wrappedSecretId = (await send('approle secret-id, wrapped', 'POST', 'auth/approle/role/app/secret-id', { body: {}, wrapTtl: '5m' }))?.wrap_info?.token as string;
  await send('kv v2 write', 'POST', 'secret/data/demo/config', { body: { data: { api_key: 'v1' } } });
  await send('kv v2 write again', 'POST', 'secret/data/demo/config', { body: { data: { api_key: 'v2' } } });
  await send('kv v2 write, to delete', 'POST', 'secret/data/demo/deleted', { body: { data: { api_key: 'gone' } } });
  await send('kv v2 delete', 'DELETE', 'secret/data/demo/deleted');
  await send('kv v1 write', 'POST', 'kv/app/config', { body: { api_key: 'v1' } });
  await send('database config', 'POST', 'database/config/demo-postgres', { body: vaultConnectionConfig(target.postgres, '*') });
  await send('database role', 'POST', 'database/roles/demo', {
    body: { db_name: 'demo-postgres', creation_statements: [`CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}';`], default_ttl: '3s', max_ttl: '5s' },
  });
  await send('database role, long leases', 'POST', 'database/roles/long', {
    body: { db_name: 'demo-postgres', creation_statements: [`CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}';`], default_ttl: '1h', max_ttl: '2h' },
  });
  const pool = superuserPool(target.postgres);
  await pool.query("CREATE ROLE app_static WITH LOGIN PASSWORD 'set-by-the-dba'").finally(() => pool.end());
  await send('database static role', 'POST', 'database/static-roles/app-static', { body: { db_name: 'demo-postgres', username: 'app_static', rotation_period: '1h' } });
  await send('pki root', 'POST', 'pki/root/generate/internal', { body: { common_name: 'differential root', ttl: '24h' } });
  await send('pki role', 'POST', 'pki/roles/demo', { body: { allowed_domains: ['svc'], allow_subdomains: true, ttl: '1h', max_ttl: '2h' } });

  // The agent: each auth method's login.
  const k8sJwt = await target.issuer.sign({ namespace: 'apps', name: 'app' });
  const k8sLogin = await send('kubernetes login', 'POST', 'auth/kubernetes/login', { body: { role: 'app', jwt: k8sJwt }, token: null });
  const kubernetes = k8sLogin?.auth?.client_token as string;
  fact('kubernetes login: seconds and renewable', `${k8sLogin?.auth?.lease_duration} ${k8sLogin?.auth?.renewable}`);
  const jwtToken = (await send('jwt login', 'POST', 'auth/jwt/login', { body: { role: 'app', jwt: await target.issuer.sign({ namespace: 'apps', name: 'app' }) }, token: null }))?.auth?.client_token as string;
  const unwrapped = await send('unwrap secret_id', 'PUT', 'sys/wrapping/unwrap', { body: {}, token: wrappedSecretId });
  await send('unwrap again', 'PUT', 'sys/wrapping/unwrap', { body: {}, token: wrappedSecretId });
  const approle = (await send('approle login', 'POST', 'auth/approle/login', { body: { role_id: roleId, secret_id: unwrapped?.data?.secret_id }, token: null }))?.auth?.client_token as string;
  const wrappedToken = (await send('token create, wrapped', 'POST', 'auth/token/create', { body: { policies: ['app'], ttl: '1h' }, wrapTtl: '5m' }))?.wrap_info?.token as string;
  await send('wrapping lookup', 'POST', 'sys/wrapping/lookup', { body: { token: wrappedToken }, token: null });
  await send('unwrap token', 'PUT', 'sys/wrapping/unwrap', { body: {}, token: wrappedToken });

  // Token lifecycle.
  await send('lookup-self', 'GET', 'auth/token/lookup-self', { token: kubernetes });
  await send('renew-self', 'PUT', 'auth/token/renew-self', { body: { increment: 4 }, token: kubernetes });
  await sleep(1_500);
  const cappedToken = await send('renew-self past max TTL', 'PUT', 'auth/token/renew-self', { body: { increment: 3600 }, token: kubernetes });
  fact('renew-self past max TTL: granted seconds', Number(cappedToken?.auth?.lease_duration));

  // Secrets.
  await send('kv v2 read', 'GET', 'secret/data/demo/config', { token: kubernetes });
  await send('kv v2 read version 1', 'GET', 'secret/data/demo/config?version=1', { token: kubernetes });
  await send('kv v2 metadata', 'GET', 'secret/metadata/demo/config', { token: kubernetes });
  await send('kv v1 read', 'GET', 'kv/app/config', { token: kubernetes });
  const creds = await send('database creds', 'GET', 'database/creds/demo', { token: approle });
  const leaseId = creds?.lease_id as string;
  fact('database creds: seconds and renewable', `${creds?.lease_duration} ${creds?.renewable}`);
  await send('lease lookup', 'PUT', 'sys/leases/lookup', { body: { lease_id: leaseId } });
  await send('lease renew', 'PUT', 'sys/leases/renew', { body: { lease_id: leaseId, increment: 3 }, token: approle });
  await sleep(1_500);
  const cappedLease = await send('lease renew past max TTL', 'PUT', 'sys/leases/renew', { body: { lease_id: leaseId, increment: 3600 }, token: approle });
  fact('lease renew past max TTL: granted seconds', Number(cappedLease?.lease_duration));
  await send('static creds', 'GET', 'database/static-creds/app-static', { token: kubernetes });
  await send('pki issue', 'POST', 'pki/issue/demo', { body: { common_name: 'app.apps.svc', ttl: '10m' }, token: kubernetes });
  await send('health', 'GET', 'sys/health', { token: null });

  // Errors.
  await send('403 bad token', 'GET', 'secret/data/demo/config', { token: 'not-a-token' });
  await send('403 denied path', 'GET', 'secret/data/other', { token: kubernetes });
  await send('404 missing secret', 'GET', 'secret/data/demo/missing', { token: kubernetes });
  // A deleted version is a 404 that still carries its metadata.
  await send('404 deleted secret', 'GET', 'secret/data/demo/deleted', { token: kubernetes });
  await send('400 renew unknown lease', 'PUT', 'sys/leases/renew', { body: { lease_id: 'database/creds/demo/nope' }, token: kubernetes });
  await send('400 lookup unknown lease', 'PUT', 'sys/leases/lookup', { body: { lease_id: 'database/creds/demo/nope' } });
  await send('405 unsupported operation', 'DELETE', 'auth/token/renew-self', { token: kubernetes });
  // 412 needs a standby behind the active node; a single server never answers it.
  await send('400 undecodable X-Vault-Index', 'GET', 'secret/data/demo/config', { token: kubernetes, headers: { 'X-Vault-Index': 'not an index' } });

  // Leases go with their token: revoked explicitly, by revoke-self, and by revoke-prefix on the auth mount.
  const explicit = (await send('database creds to revoke', 'GET', 'database/creds/long', { token: kubernetes }))?.lease_id as string;
  await send('lease revoke', 'PUT', 'sys/leases/revoke', { body: { lease_id: explicit }, token: kubernetes });
  fact('lease revoke: lease gone', await leaseGone(explicit));
  const withJwt = (await send('database creds of the jwt token', 'GET', 'database/creds/long', { token: jwtToken }))?.lease_id as string;
  const withApprole = (await send('database creds of the approle token', 'GET', 'database/creds/long', { token: approle }))?.lease_id as string;
  await send('revoke-self', 'PUT', 'auth/token/revoke-self', { body: {}, token: jwtToken });
  fact('revoke-self: its lease gone', await leaseGone(withJwt));
  await send('lookup-self after revoke-self', 'GET', 'auth/token/lookup-self', { token: jwtToken });
  await send('400 write to a path ending in "/"', 'PUT', 'sys/leases/revoke-prefix/auth/approle/', { body: {} });
  await send('revoke-prefix auth/approle', 'PUT', 'sys/leases/revoke-prefix/auth/approle', { body: {} });
  fact('revoke-prefix auth/approle: its token\'s lease gone', await leaseGone(withApprole));
  await send('lookup-self after revoke-prefix', 'GET', 'auth/token/lookup-self', { token: approle });
  return observations;
}
