import assert from 'node:assert/strict';
import { exportSPKI, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { startDevServer, type DevServer } from '../../src/devserver/index.js';
import { client, fakeClock, vaultError } from './helpers.js';

const ISSUER = 'https://kubernetes.default.svc.cluster.local';

describe('devserver kubernetes auth', () => {
  let server: DevServer;
  let rsa: { publicKey: CryptoKey; privateKey: CryptoKey };
  let ec: { publicKey: CryptoKey; privateKey: CryptoKey };
  let stranger: { publicKey: CryptoKey; privateKey: CryptoKey };
  const clock = fakeClock();

  before(async () => {
    rsa = await generateKeyPair('RS256', { extractable: true });
    ec = await generateKeyPair('ES256', { extractable: true });
    stranger = await generateKeyPair('RS256', { extractable: true });
  });

  beforeEach(async () => {
    server = await startDevServer({ port: 0, now: clock.now });
    const root = client(server);
    await root.write('auth/kubernetes/config', {
      kubernetes_host: 'https://kubernetes.default.svc',
      pem_keys: [await exportSPKI(rsa.publicKey), await exportSPKI(ec.publicKey)],
      issuer: ISSUER,
      disable_iss_validation: false,
    });
    await root.write('auth/kubernetes/role/web', {
      bound_service_account_names: 'web,worker-*',
      bound_service_account_namespaces: ['apps'],
      audience: 'vault',
      token_policies: 'web-read',
      token_ttl: '20m',
      token_max_ttl: '1h',
    });
  });
  afterEach(() => server.close());

  /** node-vault renders "/auth//login" unless the mount is named, so the tests name it. */
  const login = (body: { role: string; jwt: string }): Promise<any> =>
    client(server, '').kubernetesLogin({ ...body, mount_point: 'kubernetes' });

  interface Claims {
    name?: string;
    namespace?: string;
    audience?: string | string[];
    issuer?: string;
    expiresInSeconds?: number;
    legacy?: boolean;
  }
  async function serviceAccountJwt(key: CryptoKey, alg: string, claims: Claims = {}): Promise<string> {
    const nowSeconds = Math.floor(clock.now() / 1000);
    const name = claims.name ?? 'web';
    const namespace = claims.namespace ?? 'apps';
    const payload = claims.legacy
      ? {
          'kubernetes.io/serviceaccount/namespace': namespace,
          'kubernetes.io/serviceaccount/service-account.name': name,
          'kubernetes.io/serviceaccount/service-account.uid': 'uid-legacy',
        }
      : { 'kubernetes.io': { namespace, serviceaccount: { name, uid: 'uid-123' }, pod: { name: 'web-0', uid: 'p' } } };
    return new SignJWT(payload)
      .setProtectedHeader({ alg })
      .setIssuer(claims.issuer ?? ISSUER)
      // Kubernetes always issues aud as a list.
      .setAudience(claims.audience ?? ['vault'])
      .setSubject(`system:serviceaccount:${namespace}:${name}`)
      .setIssuedAt(nowSeconds)
      .setNotBefore(nowSeconds)
      .setExpirationTime(nowSeconds + (claims.expiresInSeconds ?? 3600))
      .sign(key);
  }

  it('logs in with a projected token and returns Vault auth', async () => {
    const jwt = await serviceAccountJwt(rsa.privateKey, 'RS256');
    const answer = await login({ role: 'web', jwt });
    const auth = answer.auth;
    assert.match(auth.client_token, /^hvs\./);
    assert.deepEqual(auth.policies, ['default', 'web-read']);
    assert.deepEqual(auth.token_policies, ['default', 'web-read']);
    assert.equal(auth.lease_duration, 1200);
    assert.equal(auth.renewable, true);
    assert.equal(auth.token_type, 'service');
    assert.equal(auth.orphan, true);
    assert.ok(auth.entity_id);
    assert.equal(auth.metadata.role, 'web');
    assert.equal(auth.metadata.service_account_name, 'web');
    assert.equal(auth.metadata.service_account_namespace, 'apps');
    assert.equal(auth.metadata.service_account_uid, 'uid-123');
    const self = await client(server, auth.client_token).tokenLookupSelf();
    assert.equal(self.data.path, 'auth/kubernetes/login');
    assert.equal(self.data.display_name, 'kubernetes-apps-web');
    const again = await login({ role: 'web', jwt });
    assert.equal(again.auth.entity_id, auth.entity_id, 'same service account, same entity');
  });

  it('accepts ES256 keys, legacy claims and glob-bound names', async () => {
    const jwt = await serviceAccountJwt(ec.privateKey, 'ES256', { legacy: true, name: 'worker-7' });
    const answer = await login({ role: 'web', jwt });
    assert.equal(answer.auth.metadata.service_account_name, 'worker-7');
    assert.equal(answer.auth.metadata.service_account_uid, 'uid-legacy');
  });

  it('caps renewal of the login token at the role max TTL', async () => {
    const jwt = await serviceAccountJwt(rsa.privateKey, 'RS256');
    const { auth } = await login({ role: 'web', jwt });
    const vault = client(server, auth.client_token);
    clock.advanceSeconds(15 * 60);
    assert.equal((await vault.tokenRenewSelf({ increment: 1800 })).auth.lease_duration, 1800);
    clock.advanceSeconds(25 * 60);
    const capped = await vault.tokenRenewSelf({ increment: 1800 });
    assert.equal(capped.auth.lease_duration, 1200);
    assert.deepEqual(capped.warnings, [
      'TTL of "30m0s" exceeded the effective max_ttl of "20m0s"; TTL value is capped accordingly',
    ]);
    clock.advanceSeconds(1201);
    assert.equal((await vaultError(vault.tokenLookupSelf())).status, 403);
  });

  const refusals: Array<[string, () => Promise<{ role: string; jwt: string }>, number, string]> = [
    ['a token signed by an unknown key', async () => ({ role: 'web', jwt: await serviceAccountJwt(stranger.privateKey, 'RS256') }), 403, 'permission denied'],
    ['an expired token', async () => ({ role: 'web', jwt: await serviceAccountJwt(rsa.privateKey, 'RS256', { expiresInSeconds: -3600 }) }), 403, 'validation failed, token is expired (exp)'],
    ['a wrong service account name', async () => ({ role: 'web', jwt: await serviceAccountJwt(rsa.privateKey, 'RS256', { name: 'db' }) }), 403, 'service account name not authorized'],
    ['a wrong namespace', async () => ({ role: 'web', jwt: await serviceAccountJwt(rsa.privateKey, 'RS256', { namespace: 'other' }) }), 403, 'namespace not authorized'],
    ['a wrong audience', async () => ({ role: 'web', jwt: await serviceAccountJwt(rsa.privateKey, 'RS256', { audience: ['api'] }) }), 403, 'invalid audience (aud) claim: audience claim does not match any expected audience'],
    ['a wrong issuer', async () => ({ role: 'web', jwt: await serviceAccountJwt(rsa.privateKey, 'RS256', { issuer: 'https://elsewhere' }) }), 403, 'invalid issuer (iss) claim'],
    // Vault decodes aud into a list and fails on a bare string, which Kubernetes never issues.
    ['a bare-string aud', async () => ({ role: 'web', jwt: await serviceAccountJwt(rsa.privateKey, 'RS256', { audience: 'vault' }) }), 500, "decoding failed due to the following error(s):\n\n'aud' source data must be an array or slice, got string"],
    ['an unknown role', async () => ({ role: 'nope', jwt: await serviceAccountJwt(rsa.privateKey, 'RS256') }), 400, 'invalid role name "nope"'],
    ['a missing role', async () => ({ role: '', jwt: 'x' }), 400, 'missing role'],
    ['a missing jwt', async () => ({ role: 'web', jwt: '' }), 400, 'missing jwt'],
  ];
  for (const [what, body, status, message] of refusals) {
    it(`refuses ${what} with ${status}`, async () => {
      const refused = await vaultError(login(await body()));
      assert.equal(refused.status, status);
      assert.deepEqual(refused.body.errors, [message]);
      assert.equal(server.tokenCount(), 0);
    });
  }

  it('manages roles: read, list, delete', async () => {
    const root = client(server);
    const role = await root.read('auth/kubernetes/role/web');
    assert.deepEqual(role.data.bound_service_account_names, ['web', 'worker-*']);
    assert.equal(role.data.token_ttl, 1200);
    assert.equal(role.data.token_max_ttl, 3600);
    assert.deepEqual((await root.list('auth/kubernetes/role')).data.keys, ['web']);
    await root.delete('auth/kubernetes/role/web');
    assert.equal((await vaultError(root.read('auth/kubernetes/role/web'))).status, 404);
    const invalid = await vaultError(root.write('auth/kubernetes/role/bad', { bound_service_account_names: 'x' }));
    assert.equal(invalid.status, 400);
  });
});
