import assert from 'node:assert/strict';
import { recordedRequests } from '../support/conformance-log.js';
import { loadOpenApi, OpenApiChecker, OPENAPI_PATH } from '../support/openapi.js';

/**
 * Runs after the other integration tests (mocha sorts files; "zz" sorts last) and checks every
 * request they sent to the dev server — the agent's, and the setup script's — against Vault's
 * own OpenAPI document.
 */
describe('Vault API conformance of every request sent during the integration tests', () => {
  it('each path, method and body is one Vault 1.15 documents', function () {
    const doc = loadOpenApi();
    if (!doc) {
      console.log(`    Vault's OpenAPI document is absent (${OPENAPI_PATH}): conformance not checked`);
      this.skip();
    }
    const requests = recordedRequests();
    assert.ok(requests.length > 50, `only ${requests.length} requests were recorded; did the integration tests run?`);
    const checker = new OpenApiChecker(doc!);
    const problems = new Set<string>();
    for (const request of requests) {
      for (const problem of checker.check(request.method, request.path, request.query, request.body)) problems.add(problem);
    }
    assert.deepEqual([...problems], []);
    const agentPaths = new Set(requests.map((r) => `${r.method} ${r.path.replace(/creds\/demo$/, 'creds/<role>')}`));
    for (const expected of ['POST auth/kubernetes/login', 'PUT sys/leases/renew', 'GET secret/data/demo/config', 'GET database/creds/<role>']) {
      assert.ok(agentPaths.has(expected), `no "${expected}" request was checked`);
    }
  });
});

describe('the conformance checker itself', () => {
  const doc = loadOpenApi();
  before(function () {
    if (!doc) this.skip();
  });

  it('accepts documented requests and flags undocumented paths, methods and body keys', () => {
    const checker = new OpenApiChecker(doc!);
    assert.deepEqual(checker.check('PUT', 'sys/leases/renew', {}, { lease_id: 'database/creds/x/abc', increment: 30 }), []);
    assert.deepEqual(checker.check('POST', 'auth/kubernetes/login', {}, { role: 'demo', jwt: 'x' }), []);
    assert.notDeepEqual(checker.check('PUT', 'sys/leases/renew', {}, { lease: 'x' }), []);
    assert.notDeepEqual(checker.check('GET', 'sys/no-such-endpoint', {}, undefined), []);
    assert.notDeepEqual(checker.check('DELETE', 'auth/token/renew-self', {}, undefined), []);
    assert.notDeepEqual(checker.check('POST', 'auth/kubernetes/login', {}, { role: 7 }), []);
  });
});
