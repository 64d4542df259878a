import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportSPKI, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { AuthHandler } from '../../src/auth/auth-handler.js';
import { jwtAuth } from '../../src/auth/jwt.js';
import { startDevServer, type DevServer } from '../../src/devserver/index.js';
import { AuthError } from '../../src/errors.js';
import { silentLogger } from '../../src/log.js';
import { noopRecorder } from '../../src/metrics/recorder.js';
import type { VaultClient } from '../../src/vault/client.js';
import { client } from '../devserver/helpers.js';
import { testClient } from '../vault/helpers.js';

const ISSUER = 'https://kubernetes.default.svc.cluster.local';

describe('jwtAuth', () => {
  let signer: { publicKey: CryptoKey; privateKey: CryptoKey };
  let server: DevServer;
  let vault: VaultClient;
  let dir: string;
  let tokenPath: string;
  let controller: AbortController;
  let running: Promise<void> | undefined;

  before(async () => {
    signer = await generateKeyPair('RS256', { extractable: true });
  });

  beforeEach(async () => {
    server = await startDevServer({ port: 0 });
    await client(server).write('auth/jwt/config', { jwt_validation_pubkeys: [await exportSPKI(signer.publicKey)], bound_issuer: ISSUER });
    await client(server).write('auth/jwt/role/app', {
      role_type: 'jwt', bound_audiences: 'vault', user_claim: 'sub', bound_claims: { '/kubernetes.io/namespace': 'apps' },
      token_policies: 'app', token_ttl: '1h',
    });
    vault = testClient(server.url, { maxRetries: 0 });
    dir = await mkdtemp(join(tmpdir(), 'vaultlet-jwt-auth-'));
    tokenPath = join(dir, 'token');
    controller = new AbortController();
    running = undefined;
  });

  afterEach(async () => {
    controller.abort();
    await running;
    vault.close();
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** What the kubelet writes into a projected serviceAccountToken volume. */
  async function writeServiceAccountToken(account: string, audience: string[] = ['vault']): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    const jwt = await new SignJWT({ 'kubernetes.io': { namespace: 'apps', serviceaccount: { name: account, uid: `uid-${account}` } } })
      .setProtectedHeader({ alg: 'RS256', kid: 'sa-key' })
      .setIssuer(ISSUER)
      .setSubject(`system:serviceaccount:apps:${account}`)
      .setAudience(audience)
      .setIssuedAt(now)
      .setNotBefore(now)
      .setExpirationTime(now + 3600)
      .sign(signer.privateKey);
    await writeFile(tokenPath, `${jwt}\n`);
    return jwt;
  }

  function startHandler({ audience }: { audience?: string } = { audience: 'vault' }): AuthHandler {
    const auth = new AuthHandler({
      vault,
      method: jwtAuth({ mount: 'jwt', role: 'app', tokenPath, ...(audience !== undefined ? { audience } : {}) }),
      recorder: noopRecorder,
      logger: silentLogger(),
      backoff: { baseMs: 50, capMs: 200, floorMs: 10 },
      random: () => 0.5,
    });
    running = auth.start(controller.signal);
    return auth;
  }

  const displayNameOf = async (token: string) => (await client(server, token).tokenLookupSelf()).data.display_name as string;
  const loginBodies = () => server.requests.filter((r) => r.path === 'auth/jwt/login').map((r) => r.body as { role: string; jwt: string });

  it('logs in to auth/<mount>/login with the role and the JWT from the file', async () => {
    const jwt = await writeServiceAccountToken('web');
    const auth = startHandler();
    const token = await auth.tokenFor(controller.signal);
    assert.equal(await displayNameOf(token), 'jwt-system:serviceaccount:apps:web');
    assert.deepEqual(loginBodies(), [{ role: 'app', jwt }]);
    const method = jwtAuth({ mount: 'jwt', role: 'app', tokenPath });
    assert.deepEqual([method.name, method.credentialFile, method.reloginOnChange], ['jwt', tokenPath, false]);
  });

  it('reads the rotated token file at the next login', async () => {
    await writeServiceAccountToken('web');
    const auth = startHandler();
    const first = await auth.tokenFor(controller.signal);
    const rotated = await writeServiceAccountToken('worker');
    // The token is revoked server-side; the handler finds out through a 403 and logs in again.
    server.revokeToken(first);
    auth.invalidate(first, 'test: token revoked');
    const second = await auth.tokenOtherThan(first, controller.signal);
    assert.equal(await displayNameOf(second), 'jwt-system:serviceaccount:apps:worker');
    assert.equal(loginBodies().at(-1)?.jwt, rotated);
  });

  it('refuses a token for another audience before asking Vault, naming the file and the audience', async () => {
    const wrong = await writeServiceAccountToken('web', ['https://kubernetes.default.svc.cluster.local']);
    const auth = startHandler({ audience: 'vault' });
    const [error] = (await once(auth, 'failed')) as [Error];
    assert.ok(error instanceof AuthError, String(error));
    assert.ok(error.message.includes(tokenPath), error.message);
    assert.match(error.message, /expects "vault"/);
    assert.match(error.message, /audience "https:\/\/kubernetes\.default\.svc\.cluster\.local"/);
    assert.ok(!error.message.includes(wrong) && !error.message.includes(wrong.split('.')[1]!), 'the token is not in the message');
    assert.equal(server.countRequests({ path: 'auth/jwt/login' }), 0, 'no login was sent');

    // Fixing the volume (a new token in the same file) is picked up at the next attempt.
    await writeServiceAccountToken('web', ['vault']);
    auth.credentialsChanged();
    const token = await auth.tokenFor(controller.signal);
    assert.equal(await displayNameOf(token), 'jwt-system:serviceaccount:apps:web');
  });

  it('without an audience set, leaves the audience check to Vault', async () => {
    await writeServiceAccountToken('web', ['other']);
    const auth = startHandler({});
    const [error] = (await once(auth, 'failed')) as [Error];
    assert.match(error.message, /invalid audience \(aud\) claim/);
    assert.equal(server.countRequests({ path: 'auth/jwt/login', status: 400 }), 1);
  });

  it('says the file is not a JWT without echoing its content', async () => {
    await writeFile(tokenPath, 's3cr3t-not-a-jwt');
    const method = jwtAuth({ mount: 'jwt', role: 'app', tokenPath, audience: 'vault' });
    await assert.rejects(method.loginPlan(), (error: Error) => {
      assert.ok(error instanceof AuthError);
      assert.ok(error.message.includes(tokenPath) && /not a JWT/.test(error.message), error.message);
      assert.ok(!error.message.includes('s3cr3t'));
      return true;
    });
  });
});
