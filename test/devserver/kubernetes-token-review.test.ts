import assert from 'node:assert/strict';
import { createServiceAccountIssuer, DEMO_ISSUER, type ServiceAccountIssuer } from '../../src/demo/service-account.js';
import { startTokenReviewer, type TokenReviewer } from '../../src/demo/token-review.js';
import { startDevServer, type DevServer } from '../../src/devserver/index.js';
import { call } from './helpers.js';

describe('devserver kubernetes auth without pem_keys: every login asks the TokenReview API', () => {
  let issuer: ServiceAccountIssuer;
  let reviewer: TokenReviewer;
  let server: DevServer;

  before(async () => {
    issuer = await createServiceAccountIssuer();
    reviewer = await startTokenReviewer({ publicKeyPem: issuer.publicKeyPem });
  });
  after(() => reviewer.close());
  beforeEach(async () => {
    server = await startDevServer({ port: 0 });
    const reviewerJwt = await issuer.sign({ namespace: 'vault', name: 'vault', audience: DEMO_ISSUER });
    const root = { token: server.rootToken };
    assert.equal((await call(server, 'POST', '/v1/auth/kubernetes/config', { ...root, body: { kubernetes_host: reviewer.url, kubernetes_ca_cert: reviewer.caPem, token_reviewer_jwt: reviewerJwt } })).status, 204);
    await call(server, 'POST', '/v1/auth/kubernetes/role/app', {
      ...root, body: { bound_service_account_names: ['app'], bound_service_account_namespaces: ['apps'], audience: 'vault', token_policies: ['default'], token_ttl: '1h' },
    });
  });
  afterEach(() => server.close());

  const login = async (jwt: string) => call(server, 'POST', '/v1/auth/kubernetes/login', { body: { role: 'app', jwt } });

  it('logs in once the cluster vouches for the token, asking for the role audience', async () => {
    const reviews = reviewer.reviews.length;
    const answer = await login(await issuer.sign({ namespace: 'apps', name: 'app' }));
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.equal(answer.body.auth.metadata.service_account_name, 'app');
    assert.deepEqual(reviewer.reviews.slice(reviews).map((r) => [r.authenticated, r.audiences, r.username]), [[true, ['vault'], 'system:serviceaccount:apps:app']]);
    const config = await call(server, 'GET', '/v1/auth/kubernetes/config', { token: server.rootToken });
    assert.equal(config.body.data.kubernetes_ca_cert, reviewer.caPem);
    assert.equal(config.body.data.token_reviewer_jwt_set, true);
  });

  it('refuses with a plain 403 what the cluster does not vouch for: a forged or expired token', async () => {
    const stranger = await createServiceAccountIssuer();
    for (const jwt of [await stranger.sign({ namespace: 'apps', name: 'app' }), await issuer.sign({ namespace: 'apps', name: 'app', ttlSeconds: -30 })]) {
      const answer = await login(jwt);
      assert.equal(answer.status, 403);
      assert.deepEqual(answer.body.errors, ['permission denied']);
    }
    assert.equal(reviewer.reviews.at(-1)?.authenticated, false);
  });

  it('refuses with 403 when the TokenReview API cannot be reached', async () => {
    await call(server, 'POST', '/v1/auth/kubernetes/config', { token: server.rootToken, body: { kubernetes_host: 'https://127.0.0.1:9' } });
    assert.equal((await login(await issuer.sign({ namespace: 'apps', name: 'app' }))).status, 403);
  });
});
