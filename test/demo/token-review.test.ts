import assert from 'node:assert/strict';
import { request } from 'node:https';
import { createServiceAccountIssuer, DEMO_ISSUER, type ServiceAccountIssuer } from '../../src/demo/service-account.js';
import { startTokenReviewer, TOKEN_REVIEW_PATH, type TokenReviewer } from '../../src/demo/token-review.js';

describe('TokenReview endpoint (the API server part Vault calls)', () => {
  let issuer: ServiceAccountIssuer;
  let reviewer: TokenReviewer;
  let bearer: string;

  before(async () => {
    issuer = await createServiceAccountIssuer();
    reviewer = await startTokenReviewer({ publicKeyPem: issuer.publicKeyPem });
    bearer = await issuer.sign({ namespace: 'vault', name: 'vault', audience: DEMO_ISSUER });
  });
  after(() => reviewer.close());

  /** POSTs over HTTPS trusting only the reviewer's own CA, as Vault does with kubernetes_ca_cert. */
  function post(body: unknown, options: { bearer?: string; path?: string } = {}): Promise<{ status: number; body: any }> {
    return new Promise((resolve, reject) => {
      const text = JSON.stringify(body);
      const outgoing = request(`${reviewer.url}${options.path ?? TOKEN_REVIEW_PATH}`, {
        method: 'POST', ca: reviewer.caPem,
        headers: { 'content-type': 'application/json', ...(options.bearer === '' ? {} : { authorization: `Bearer ${options.bearer ?? bearer}` }) },
      }, (response) => {
        let data = '';
        response.on('data', (chunk) => (data += chunk));
        response.on('end', () => resolve({ status: response.statusCode!, body: JSON.parse(data) }));
      });
      outgoing.on('error', reject);
      outgoing.end(text);
    });
  }
  const review = (token: string, audiences?: string[]) =>
    post({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token, ...(audiences ? { audiences } : {}) } });

  it('vouches for a valid token: 201, the service account user and the audiences that matched', async () => {
    const answer = await review(await issuer.sign({ namespace: 'apps', name: 'web', audience: 'vault' }), ['vault', 'other']);
    assert.equal(answer.status, 201);
    assert.equal(answer.body.kind, 'TokenReview');
    assert.equal(answer.body.status.authenticated, true);
    assert.equal(answer.body.status.user.username, 'system:serviceaccount:apps:web');
    assert.equal(answer.body.status.user.uid, '6a0f2c1e-0000-4000-8000-000000000001');
    assert.ok(answer.body.status.user.groups.includes('system:serviceaccounts:apps'));
    assert.deepEqual(answer.body.status.audiences, ['vault']);
    assert.equal(reviewer.reviews.at(-1)?.username, 'system:serviceaccount:apps:web');
  });

  const refused: Array<[string, () => Promise<string>, string[] | undefined, RegExp]> = [
    ['another audience', () => issuer.sign({ namespace: 'apps', name: 'web', audience: 'api' }), ['vault'], /audiences do not match/],
    ['no audience asked and not the API server\'s', () => issuer.sign({ namespace: 'apps', name: 'web', audience: 'vault' }), undefined, /audiences do not match/],
    ['an expired token', () => issuer.sign({ namespace: 'apps', name: 'web', ttlSeconds: -5 }), ['vault'], /"exp" claim timestamp check failed/],
    ['a token of another issuer key', async () => (await createServiceAccountIssuer()).sign({ namespace: 'apps', name: 'web' }), ['vault'], /signature verification failed/],
    ['garbage', async () => 'not.a.jwt', ['vault'], /invalid bearer token/],
  ];
  for (const [what, token, audiences, reason] of refused) {
    it(`does not vouch for ${what}: authenticated absent, the error says why`, async () => {
      const answer = await review(await token(), audiences);
      assert.equal(answer.status, 201);
      assert.equal(answer.body.status.authenticated, undefined);
      assert.match(answer.body.status.error, reason);
    });
  }

  it('refuses callers without a valid bearer token (401) and other paths (404), as Kubernetes Status objects', async () => {
    const token = await issuer.sign({ namespace: 'apps', name: 'web' });
    const anonymous = await post({ spec: { token } }, { bearer: '' });
    assert.equal(anonymous.status, 401);
    assert.deepEqual([anonymous.body.kind, anonymous.body.reason], ['Status', 'Unauthorized']);
    // A token for Vault is not a credential for the API server.
    assert.equal((await post({ spec: { token } }, { bearer: token })).status, 401);
    assert.equal((await post({ spec: { token } }, { path: '/api/v1/namespaces' })).status, 404);
  });
});
