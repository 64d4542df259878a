import assert from 'node:assert/strict';
import { startDevServer, type DevServer } from '../../src/devserver/index.js';
import { call, client, fakeClock, vaultError } from './helpers.js';

describe('devserver token auth', () => {
  let server: DevServer;
  const clock = fakeClock();
  beforeEach(async () => {
    server = await startDevServer({ port: 0, now: clock.now });
  });
  afterEach(() => server.close());

  async function allowTokenCreate(policy: string): Promise<void> {
    await client(server).addPolicy({ name: policy, rules: 'path "auth/token/create" { capabilities = ["update"] }' });
  }

  async function createToken(body: Record<string, unknown>): Promise<string> {
    const created = await call(server, 'POST', '/v1/auth/token/create', { token: 'root', body });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    return created.body.auth.client_token;
  }

  it('creates hvs. tokens with ttl, accessor and the default policy', async () => {
    const created = await call(server, 'POST', '/v1/auth/token/create', {
      token: 'root', body: { policies: ['app'], ttl: '1h', display_name: 'Web', meta: { team: 'a' } },
    });
    const auth = created.body.auth;
    assert.match(auth.client_token, /^hvs\.\w{24}$/);
    assert.equal(auth.lease_duration, 3600);
    assert.deepEqual(auth.policies, ['app', 'default']);
    const self = await client(server, auth.client_token).tokenLookupSelf();
    assert.equal(self.data.ttl, 3600);
    assert.equal(self.data.creation_ttl, 3600);
    assert.equal(self.data.display_name, 'token-web');
    assert.deepEqual(self.data.meta, { team: 'a' });
    assert.equal(self.data.accessor, auth.accessor);
    assert.equal(server.tokenCount(), 1);
  });

  it('renews up to explicit_max_ttl and warns when capping', async () => {
    const token = await createToken({ ttl: '10m', explicit_max_ttl: '30m' });
    const vault = client(server, token);
    clock.advanceSeconds(300);
    const renewed = await vault.tokenRenewSelf({ increment: 600 });
    assert.equal(renewed.auth.lease_duration, 600);
    clock.advanceSeconds(500);
    const capped = await vault.tokenRenewSelf({ increment: '1h' });
    assert.equal(capped.auth.lease_duration, 1000);
    assert.deepEqual(capped.warnings, [
      'TTL of "1h0m0s" exceeded the effective max_ttl of "16m40s"; TTL value is capped accordingly',
    ]);
    clock.advanceSeconds(1001);
    assert.equal((await vaultError(vault.tokenLookupSelf())).status, 403);
  });

  it('in the last second before the max TTL, refuses to renew with a 500, as Vault does, and the token lives out that second', async () => {
    const token = await createToken({ ttl: '2s', explicit_max_ttl: '6s' });
    const vault = client(server, token);
    for (const at of [1.5, 1.5]) {
      clock.advanceSeconds(at);
      assert.equal((await vault.tokenRenewSelf({ increment: 2 })).auth.lease_duration, 2);
    }
    clock.advanceSeconds(1.6);
    const capped = await vault.tokenRenewSelf({ increment: 2 });
    assert.equal(capped.auth.lease_duration, 1, '1.4 s left, truncated to 1');
    clock.advanceSeconds(0.7);
    const refused = await vaultError(vault.tokenRenewSelf({ increment: 2 }));
    assert.equal(refused.status, 500);
    assert.deepEqual(refused.body.errors, ['1 error occurred:\n\t* past the max TTL, cannot renew\n\n']);
    assert.equal((await vault.tokenLookupSelf()).data.ttl, 0, 'still alive for its last fraction of a second');
    clock.advanceSeconds(0.4);
    assert.equal((await vaultError(vault.tokenLookupSelf())).status, 403);
  });

  it('renews a periodic token to its period', async () => {
    const token = await createToken({ period: '2m', ttl: '1h' });
    clock.advanceSeconds(60);
    const renewed = await client(server, token).tokenRenewSelf({ increment: 3600 });
    assert.equal(renewed.auth.lease_duration, 120);
  });

  it('refuses to renew a non-renewable token', async () => {
    const token = await createToken({ ttl: '1h', renewable: false });
    const refused = await vaultError(client(server, token).tokenRenewSelf());
    assert.equal(refused.status, 400);
    assert.deepEqual(refused.body.errors, ['lease is not renewable']);
  });

  it('answers 403 permission denied once a token expires', async () => {
    const token = await createToken({ ttl: '1m' });
    clock.advanceSeconds(61);
    const refused = await vaultError(client(server, token).tokenLookupSelf());
    assert.equal(refused.status, 403);
    assert.deepEqual(refused.body.errors, ['permission denied']);
    assert.equal(server.tokenCount(), 0);
  });

  it('revoke-self answers 204 and the token is refused afterwards', async () => {
    const token = await createToken({ ttl: '1h' });
    const revoked = await call(server, 'POST', '/v1/auth/token/revoke-self', { token });
    assert.equal(revoked.status, 204);
    assert.equal((await vaultError(client(server, token).tokenLookupSelf())).status, 403);
  });

  it('looks up, renews and revokes other tokens, and revokes children with their parent', async () => {
    await allowTokenCreate('a');
    const parent = await createToken({ policies: ['a'], ttl: '1h' });
    const childCreated = await call(server, 'POST', '/v1/auth/token/create', { token: parent, body: { ttl: '10m' } });
    const child = childCreated.body.auth.client_token;
    assert.deepEqual(childCreated.body.auth.policies, ['a', 'default']);
    const vault = client(server);
    const looked = await vault.tokenLookup({ token: child });
    assert.equal(looked.data.orphan, false);
    const renewed = await vault.tokenRenew({ token: child, increment: 120 });
    assert.equal(renewed.auth.lease_duration, 120);
    const bad = await vaultError(vault.tokenLookup({ token: 'hvs.unknown' }));
    assert.equal(bad.status, 403);
    // node-vault adopts the token returned by tokenRenew, so revoke with a fresh root client.
    await client(server).tokenRevoke({ token: parent });
    assert.equal((await vaultError(client(server, child).tokenLookupSelf())).status, 403);
  });

  it('refuses child policies outside the parent and orphans without sudo', async () => {
    await allowTokenCreate('a');
    const parent = await createToken({ policies: ['a'], ttl: '1h' });
    const wider = await call(server, 'POST', '/v1/auth/token/create', { token: parent, body: { policies: ['b'] } });
    assert.equal(wider.status, 400);
    const orphan = await call(server, 'POST', '/v1/auth/token/create', { token: parent, body: { no_parent: true } });
    assert.equal(orphan.status, 400);
  });

  it('answers 403 without a token and for an unknown token', async () => {
    assert.equal((await call(server, 'GET', '/v1/auth/token/lookup-self')).status, 403);
    assert.equal((await call(server, 'GET', '/v1/auth/token/lookup-self', { token: 'nope' })).status, 403);
  });
});
