import assert from 'node:assert/strict';
import { exportSPKI, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { startDevServer, type DevServer } from '../../src/devserver/index.js';
import { call, client, fakeClock, vaultError } from './helpers.js';

const ISSUER = 'https://kubernetes.default.svc.cluster.local';
const SUBJECT = 'system:serviceaccount:apps:web';

interface TokenOptions {
  key?: CryptoKey;
  alg?: string;
  issuer?: string;
  subject?: string;
  audience?: string | string[];
  namespace?: string;
  expiresInSeconds?: number;
  notBeforeInSeconds?: number;
}

describe('devserver jwt auth', () => {
  let server: DevServer;
  let rsa: { publicKey: CryptoKey; privateKey: CryptoKey };
  let ec: { publicKey: CryptoKey; privateKey: CryptoKey };
  let stranger: { publicKey: CryptoKey; privateKey: CryptoKey };
  let clock: ReturnType<typeof fakeClock>;

  before(async () => {
    rsa = await generateKeyPair('RS256', { extractable: true });
    ec = await generateKeyPair('ES256', { extractable: true });
    stranger = await generateKeyPair('RS256', { extractable: true });
  });

  beforeEach(async () => {
    clock = fakeClock();
    server = await startDevServer({ port: 0, now: clock.now });
    await client(server).write('auth/jwt/config', {
      jwt_validation_pubkeys: [await exportSPKI(rsa.publicKey), await exportSPKI(ec.publicKey)],
      bound_issuer: ISSUER,
    });
    await writeRole('web', {
      role_type: 'jwt',
      bound_audiences: 'vault,https://vault.example',
      user_claim: 'sub',
      bound_claims: { '/kubernetes.io/namespace': ['apps', 'tools'] },
      claim_mappings: { '/kubernetes.io/serviceaccount/name': 'service_account_name' },
      token_policies: 'web-read',
      token_ttl: '20m',
      token_max_ttl: '1h',
    });
  });
  afterEach(() => server.close());

  const writeRole = (name: string, body: Record<string, unknown>) => client(server).write(`auth/jwt/role/${name}`, body);

  /** A projected service account token as the kubelet writes it (aud is a list). */
  function serviceAccountJwt(options: TokenOptions = {}): Promise<string> {
    const now = Math.floor(clock.now() / 1000);
    const namespace = options.namespace ?? 'apps';
    return new SignJWT({ 'kubernetes.io': { namespace, serviceaccount: { name: 'web', uid: 'uid-1' }, pod: { name: 'web-0', uid: 'p' } } })
      .setProtectedHeader({ alg: options.alg ?? 'RS256' })
      .setIssuer(options.issuer ?? ISSUER)
      .setSubject(options.subject ?? SUBJECT)
      .setAudience(options.audience ?? ['vault'])
      .setIssuedAt(now)
      .setNotBefore(now + (options.notBeforeInSeconds ?? 0))
      .setExpirationTime(now + (options.expiresInSeconds ?? 3600))
      .sign(options.key ?? rsa.privateKey);
  }

  const login = (body: Record<string, unknown>) => call(server, 'POST', '/v1/auth/jwt/login', { body });

  async function refused(body: Record<string, unknown>, status: number, message: string): Promise<void> {
    const tokensBefore = server.tokenCount();
    const answer = await login(body);
    assert.equal(answer.status, status, JSON.stringify(answer.body));
    assert.deepEqual(answer.body.errors, [message]);
    assert.equal(server.tokenCount(), tokensBefore, 'no token issued');
  }

  it('logs in with a service account JWT and returns a Vault auth block', async () => {
    const answer = await login({ role: 'web', jwt: await serviceAccountJwt() });
    assert.equal(answer.status, 200);
    assert.equal(answer.body.mount_type, 'jwt');
    const auth = answer.body.auth;
    assert.match(auth.client_token, /^hvs\./);
    assert.deepEqual(auth.policies, ['default', 'web-read']);
    assert.equal(auth.lease_duration, 1200);
    assert.equal(auth.renewable, true);
    assert.deepEqual(auth.metadata, { role: 'web', service_account_name: 'web' });
    const self = await client(server, auth.client_token).tokenLookupSelf();
    assert.equal(self.data.path, 'auth/jwt/login');
    assert.equal(self.data.display_name, `jwt-${SUBJECT}`);
    const again = await login({ role: 'WEB', jwt: await serviceAccountJwt({ key: ec.privateKey, alg: 'ES256', namespace: 'tools' }) });
    assert.equal(again.status, 200, 'ES256 key, second bound namespace, role name case-insensitive');
    assert.equal(again.body.auth.entity_id, auth.entity_id, 'same user claim, same entity');
  });

  it('caps renewal of the login token at the role token_max_ttl', async () => {
    const { body } = await login({ role: 'web', jwt: await serviceAccountJwt() });
    const vault = client(server, body.auth.client_token);
    clock.advanceSeconds(15 * 60);
    assert.equal((await vault.tokenRenewSelf({ increment: 1800 })).auth.lease_duration, 1800);
    clock.advanceSeconds(25 * 60);
    const capped = await vault.tokenRenewSelf({ increment: 1800 });
    assert.equal(capped.auth.lease_duration, 1200, 'one hour after login at most');
  });

  it('refuses a token signed by a key that is not configured', async () => {
    await refused({ role: 'web', jwt: await serviceAccountJwt({ key: stranger.privateKey }) }, 400,
      'error validating token: error verifying token signature: no known key successfully validated the token signature');
    await refused({ role: 'web', jwt: 'not-a-jwt' }, 400,
      'error validating token: error verifying token signature: go-jose/go-jose: compact JWS format must have three parts');
  });

  it('refuses an expired token once the 60 s clock skew leeway has passed', async () => {
    const jwt = await serviceAccountJwt({ expiresInSeconds: 600 });
    clock.advanceSeconds(600 + 59);
    assert.equal((await login({ role: 'web', jwt })).status, 200, 'within the default clock skew leeway');
    clock.advanceSeconds(2);
    await refused({ role: 'web', jwt }, 400, 'error validating token: invalid expiration time (exp) claim: token is expired');
  });

  it('applies clock_skew_leeway from the role (-1 disables it)', async () => {
    await writeRole('strict', { role_type: 'jwt', bound_audiences: 'vault', user_claim: 'sub', clock_skew_leeway: -1 });
    const jwt = await serviceAccountJwt({ expiresInSeconds: 600 });
    clock.advanceSeconds(601);
    await refused({ role: 'strict', jwt }, 400, 'error validating token: invalid expiration time (exp) claim: token is expired');
  });

  it('refuses a token that is not valid yet', async () => {
    await refused({ role: 'web', jwt: await serviceAccountJwt({ notBeforeInSeconds: 300 }) }, 400,
      'error validating token: invalid not before (nbf) claim: token not yet valid');
  });

  it('refuses a token for another audience', async () => {
    await refused({ role: 'web', jwt: await serviceAccountJwt({ audience: ['https://kubernetes.default.svc'] }) }, 400,
      'error validating token: invalid audience (aud) claim: audience claim does not match any expected audience');
  });

  it('refuses a token with an aud list on a role without bound_audiences, as Vault 1.15 does', async () => {
    await writeRole('subject-only', { role_type: 'jwt', bound_subject: SUBJECT, user_claim: 'sub' });
    await refused({ role: 'subject-only', jwt: await serviceAccountJwt() }, 400, 'audience claim found in JWT but no audiences bound to the role');
    // Vault 1.15 (plugin v0.17) checks list-valued aud only; a single string passes.
    assert.equal((await login({ role: 'subject-only', jwt: await serviceAccountJwt({ audience: 'vault' }) })).status, 200);
  });

  it('checks bound_subject', async () => {
    await writeRole('subject', { role_type: 'jwt', bound_audiences: 'vault', bound_subject: SUBJECT, user_claim: 'sub' });
    await refused({ role: 'subject', jwt: await serviceAccountJwt({ subject: 'system:serviceaccount:apps:db' }) }, 400,
      'error validating token: invalid subject (sub) claim');
    assert.equal((await login({ role: 'subject', jwt: await serviceAccountJwt() })).status, 200);
  });

  it('checks bound_claims by exact value and by glob', async () => {
    await refused({ role: 'web', jwt: await serviceAccountJwt({ namespace: 'other' }) }, 400,
      'error validating claims: claim "/kubernetes.io/namespace" does not match any associated bound claim values');
    await writeRole('team', { role_type: 'jwt', bound_audiences: 'vault', user_claim: 'sub', bound_claims: { team: 'payments' } });
    await refused({ role: 'team', jwt: await serviceAccountJwt() }, 400, 'error validating claims: claim "team" is missing');
    await writeRole('glob', {
      role_type: 'jwt', bound_audiences: 'vault', user_claim: 'sub', bound_claims_type: 'glob', bound_claims: { sub: 'system:serviceaccount:apps:*' },
    });
    assert.equal((await login({ role: 'glob', jwt: await serviceAccountJwt() })).status, 200);
    await refused({ role: 'glob', jwt: await serviceAccountJwt({ subject: 'system:serviceaccount:other:web' }) }, 400,
      'error validating claims: claim "sub" does not match any associated bound claim values');
  });

  it('checks the issuer against bound_issuer', async () => {
    await refused({ role: 'web', jwt: await serviceAccountJwt({ issuer: 'https://elsewhere' }) }, 400, 'error validating token: invalid issuer (iss) claim');
  });

  it('only allows jwt roles to log in with a JWT', async () => {
    const oidcOnly = await vaultError(writeRole('portal', { bound_audiences: 'vault', user_claim: 'sub' }));
    assert.equal(oidcOnly.status, 400);
    assert.deepEqual(oidcOnly.body.errors, ["'allowed_redirect_uris' must be set if 'role_type' is 'oidc' or unspecified."]);
    await writeRole('portal', { user_claim: 'sub', allowed_redirect_uris: 'https://app/callback' });
    assert.equal((await client(server).read('auth/jwt/role/portal')).data.role_type, 'oidc');
    await refused({ role: 'portal', jwt: await serviceAccountJwt() }, 400, 'role with oidc role_type is not allowed');
  });

  it('restricts algorithms to jwt_supported_algs', async () => {
    await client(server).write('auth/jwt/config', {
      jwt_validation_pubkeys: [await exportSPKI(rsa.publicKey), await exportSPKI(ec.publicKey)], jwt_supported_algs: 'ES256',
    });
    assert.equal((await login({ role: 'web', jwt: await serviceAccountJwt({ key: ec.privateKey, alg: 'ES256' }) })).status, 200);
    await refused({ role: 'web', jwt: await serviceAccountJwt() }, 400,
      'error validating token: invalid algorithm (alg) header parameter: token signed with unexpected algorithm');
  });

  it('refuses logins with a missing role, an unknown role, or no jwt', async () => {
    await refused({ role: '', jwt: 'x' }, 400, 'missing role');
    await refused({ role: 'nope', jwt: await serviceAccountJwt() }, 400, 'role "nope" could not be found');
    await refused({ role: 'web' }, 400, 'missing token');
  });

  it('refuses logins from outside token_bound_cidrs with permission denied', async () => {
    await writeRole('office', { role_type: 'jwt', user_claim: 'sub', bound_audiences: 'vault', token_bound_cidrs: '10.0.0.0/8' });
    await refused({ role: 'office', jwt: await serviceAccountJwt() }, 403, 'permission denied');
    await writeRole('office', { role_type: 'jwt', token_bound_cidrs: '127.0.0.0/8' });
    assert.equal((await login({ role: 'office', jwt: await serviceAccountJwt() })).status, 200);
  });
});
