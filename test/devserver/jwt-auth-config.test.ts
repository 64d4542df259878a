import assert from 'node:assert/strict';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { startDevServer, type DevServer } from '../../src/devserver/index.js';
import { call, client, vaultError } from './helpers.js';

const pemOf = (pair: { publicKey: KeyObject }) => pair.publicKey.export({ type: 'spki', format: 'pem' }).toString();

describe('devserver jwt auth config and roles', () => {
  let server: DevServer;
  let rsaPem: string;
  let ecPem: string;

  before(() => {
    rsaPem = pemOf(generateKeyPairSync('rsa', { modulusLength: 2048 }));
    ecPem = pemOf(generateKeyPairSync('ec', { namedCurve: 'P-256' }));
  });
  beforeEach(async () => {
    server = await startDevServer({ port: 0 });
  });
  afterEach(() => server.close());

  async function rejected(path: string, body: Record<string, unknown>, message: string): Promise<void> {
    const refusal = await vaultError(client(server).write(path, body));
    assert.equal(refusal.status, 400);
    assert.deepEqual(refusal.body.errors, [message]);
  }

  it('stores the public keys, issuer and algorithms and reads them back', async () => {
    assert.equal((await vaultError(client(server).read('auth/jwt/config'))).status, 404, 'not configured yet');
    const login = await call(server, 'POST', '/v1/auth/jwt/login', { body: { role: 'x', jwt: 'y' } });
    assert.deepEqual([login.status, login.body.errors], [400, ['could not load configuration']]);
    await client(server).write('auth/jwt/config', {
      jwt_validation_pubkeys: [rsaPem, ecPem], bound_issuer: 'https://issuer', jwt_supported_algs: ['RS256', 'ES256'],
    });
    const { data } = await client(server).read('auth/jwt/config');
    assert.deepEqual(data.jwt_validation_pubkeys, [rsaPem.trim(), ecPem.trim()]);
    assert.equal(data.bound_issuer, 'https://issuer');
    assert.deepEqual(data.jwt_supported_algs, ['RS256', 'ES256']);
    assert.equal(data.oidc_discovery_url, '');
    assert.equal(data.jwks_url, '');
    assert.equal(data.namespace_in_state, true);
  });

  it('refuses discovery and JWKS URLs, which the dev server cannot fetch, saying so', async () => {
    const discovery = await vaultError(client(server).write('auth/jwt/config', { oidc_discovery_url: 'https://kubernetes.default.svc' }));
    assert.equal(discovery.status, 400);
    assert.match(discovery.body.errors[0], /^error checking oidc discovery URL: .*cannot fetch.*jwt_validation_pubkeys/);
    const jwks = await vaultError(client(server).write('auth/jwt/config', { jwks_url: 'https://kubernetes.default.svc/openid/v1/jwks' }));
    assert.match(jwks.body.errors[0], /^error checking jwks URL: .*cannot fetch/);
  });

  it('refuses configs without exactly one key source, bad keys and unknown algorithms', async () => {
    const oneOf = "exactly one of 'jwt_validation_pubkeys', 'jwks_url' or 'oidc_discovery_url' must be set";
    await rejected('auth/jwt/config', { bound_issuer: 'x' }, oneOf);
    await rejected('auth/jwt/config', { jwt_validation_pubkeys: rsaPem, jwks_url: 'https://x' }, oneOf);
    await rejected('auth/jwt/config', { jwt_validation_pubkeys: 'not a key' }, 'error parsing public key: data does not contain any valid public keys');
    await rejected('auth/jwt/config', { jwt_validation_pubkeys: rsaPem, jwt_supported_algs: 'HS256' },
      'invalid jwt_supported_algs: unsupported signing algorithm "HS256"');
  });

  it('creates, reads, lists and deletes roles with Vault defaults', async () => {
    await client(server).write('auth/jwt/role/Web', {
      role_type: 'jwt', bound_audiences: 'vault', user_claim: 'sub', policies: 'a,b', token_ttl: '10m', token_max_ttl: '1h',
    });
    const { data } = await client(server).read('auth/jwt/role/web');
    assert.equal(data.role_type, 'jwt');
    assert.deepEqual(data.bound_audiences, ['vault']);
    assert.equal(data.user_claim, 'sub');
    assert.equal(data.bound_claims_type, 'string');
    assert.deepEqual([data.expiration_leeway, data.not_before_leeway, data.clock_skew_leeway], [0, 0, 0], 'stored 0 means the defaults');
    assert.deepEqual(data.token_policies, ['a', 'b']);
    assert.deepEqual(data.policies, ['a', 'b'], 'legacy name echoed when used');
    assert.deepEqual([data.token_ttl, data.token_max_ttl, data.token_period], [600, 3600, 0]);
    assert.deepEqual((await client(server).list('auth/jwt/role')).data.keys, ['web']);
    await client(server).write('auth/jwt/role/web', { role_type: 'jwt', expiration_leeway: -1, not_before_leeway: '30s' });
    const updated = (await client(server).read('auth/jwt/role/web')).data;
    assert.deepEqual([updated.expiration_leeway, updated.not_before_leeway, updated.user_claim], [-1, 30, 'sub']);
    await client(server).delete('auth/jwt/role/web');
    assert.equal((await vaultError(client(server).read('auth/jwt/role/web'))).status, 404);
    assert.equal((await vaultError(client(server).list('auth/jwt/role'))).status, 404);
  });

  it('validates roles as Vault does', async () => {
    await rejected('auth/jwt/role/r', { role_type: 'jwt', bound_audiences: 'vault' }, 'a user claim must be defined on the role');
    await rejected('auth/jwt/role/r', { role_type: 'jwt', user_claim: 'sub' }, 'must have at least one bound constraint when creating/updating a role');
    await rejected('auth/jwt/role/r', { role_type: 'saml', user_claim: 'sub' }, "invalid 'role_type': saml");
    await rejected('auth/jwt/role/r', { role_type: 'jwt', user_claim: 'sub', bound_subject: 's', bound_claims_type: 'regex' },
      "invalid 'bound_claims_type': regex");
    await rejected('auth/jwt/role/r', { role_type: 'jwt', user_claim: 'sub', bound_subject: 's', token_ttl: '2h', token_max_ttl: '1h' },
      "'token_ttl' cannot be greater than 'token_max_ttl'");
    await rejected('auth/jwt/role/r', { role_type: 'jwt', user_claim: 'sub', bound_subject: 's', claim_mappings: { email: 'role' } },
      'metadata key "role" is reserved and may not be a mapping destination');
  });
});
