import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { startDevServer, type DevServer } from '../../src/devserver/index.js';
import { call, client, vaultError } from './helpers.js';

/** The errno behind a failed fetch, e.g. ECONNREFUSED. */
async function fetchFailure(url: string): Promise<string | undefined> {
  try {
    await fetch(url);
  } catch (error) {
    return ((error as { cause?: { code?: string } }).cause ?? {}).code;
  }
  return assert.fail(`expected ${url} to fail`);
}

describe('devserver outages: refused connections, hanging requests, 412, request counts', () => {
  let server: DevServer;
  beforeEach(async () => {
    server = await startDevServer({ port: 0 });
  });
  afterEach(() => server.close());

  it('refuses connections while down and comes back on the same port with the same state', async () => {
    await client(server).write('secret/data/kept', { data: { value: 'before the outage' } });
    const token = (await client(server).tokenCreate({ ttl: '1h', policies: ['x'] })).auth.client_token;
    await server.refuseConnections();
    await server.refuseConnections();
    assert.equal(await fetchFailure(`${server.url}/v1/sys/health`), 'ECONNREFUSED');
    await server.acceptConnections();
    await server.acceptConnections();
    // A fresh client: a pooled connection from before the outage may not have seen its reset yet.
    const kept = await call(server, 'GET', '/v1/secret/data/kept', { token: server.rootToken });
    assert.equal(kept.body.data.data.value, 'before the outage');
    assert.equal((await call(server, 'GET', '/v1/auth/token/lookup-self', { token })).status, 200);
  });

  it('drops open keep-alive connections when going down', async () => {
    const { Agent } = await import('node:http');
    const keepAlive = new Agent({ keepAlive: true });
    const get = () =>
      new Promise<number>((resolve, reject) => {
        httpRequest(`${server.url}/v1/sys/health`, { agent: keepAlive }, (res) => res.resume().on('end', () => resolve(res.statusCode ?? 0)))
          .on('error', reject)
          .end();
      });
    assert.equal(await get(), 200);
    await server.refuseConnections();
    await assert.rejects(get(), (error: NodeJS.ErrnoException) => ['ECONNREFUSED', 'ECONNRESET'].includes(error.code ?? ''));
    await server.acceptConnections();
    assert.equal(await get(), 200);
    keepAlive.destroy();
  });

  it('closes while refusing connections', async () => {
    await server.refuseConnections();
    await server.close();
    await server.acceptConnections();
    assert.equal(await fetchFailure(`${server.url}/v1/sys/health`), 'ECONNREFUSED', 'a closed server stays closed');
  });

  it('holds requests while hanging and answers them once the hang is lifted', async () => {
    server.faults.hang = true;
    let answered = false;
    const pending = call(server, 'GET', '/v1/sys/health').then((response) => {
      answered = true;
      return response;
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(answered, false, 'a hanging server must not answer');
    assert.equal(server.requests.at(-1)?.status, 0);
    server.faults.hang = false;
    assert.equal((await pending).status, 200);
  });

  it('forgets a held request whose client gave up, and still closes promptly', async () => {
    server.faults.hang = true;
    await assert.rejects(fetch(`${server.url}/v1/sys/health`, { signal: AbortSignal.timeout(200) }));
    const held = fetch(`${server.url}/v1/sys/health`).catch(() => 'dropped');
    await new Promise((resolve) => setTimeout(resolve, 100));
    const started = Date.now();
    await server.close();
    assert.equal(await held, 'dropped');
    assert.ok(Date.now() - started < 1000);
  });

  it('switches hang through /__dev/faults', async () => {
    const set = await call(server, 'POST', '/__dev/faults', { token: 'root', body: { hang: true } });
    assert.equal(set.status, 200);
    assert.equal(set.body.hang, true);
    assert.equal(server.faults.hang, true);
    await assert.rejects(fetch(`${server.url}/v1/sys/health`, { signal: AbortSignal.timeout(200) }));
    server.faults.hang = false;
  });

  it("answers an injected 412 with Vault's index-consistency error", async () => {
    Object.assign(server.faults, { errorStatus: 412, errorPathPattern: /^secret\// });
    const refused = await vaultError(client(server).read('secret/data/x'));
    assert.equal(refused.status, 412);
    assert.deepEqual(refused.body, { errors: ['required index state not present'] });
    server.faults.errorStatus = 0;
    assert.equal((await vaultError(client(server).read('secret/data/x'))).status, 404);
  });

  it('delays only the paths matching latencyPathPattern, also through /__dev/faults', async () => {
    const set = await call(server, 'POST', '/__dev/faults', { token: 'root', body: { latencyMs: 300, latencyPathPattern: '^sys/seal-status$' } });
    assert.equal(new RegExp(set.body.latencyPathPattern).source, new RegExp('^sys/seal-status$').source);
    let started = Date.now();
    await call(server, 'GET', '/v1/sys/health');
    assert.ok(Date.now() - started < 250, 'other paths are not delayed');
    started = Date.now();
    await call(server, 'GET', '/v1/sys/seal-status');
    assert.ok(Date.now() - started >= 290);
    await call(server, 'POST', '/__dev/faults', { token: 'root', body: { latencyPathPattern: null } });
    assert.equal(server.faults.latencyPathPattern, undefined);
  });

  it('records when each answer went out, and lists live lease ids oldest first', async () => {
    await client(server).write('database/roles/app', { db_name: 'pg', creation_statements: 'CREATE ROLE', default_ttl: 60 });
    const first = (await client(server).read('database/creds/app')).lease_id as string;
    const second = (await client(server).read('database/creds/app')).lease_id as string;
    assert.deepEqual(server.leaseIds('database/creds/app'), [first, second]);
    server.revokeLease(first);
    assert.deepEqual(server.leaseIds(), [second]);
    server.faults.latencyMs = 120;
    await call(server, 'GET', '/v1/sys/health');
    const health = server.requests.at(-1)!;
    assert.ok(health.answeredAt! - health.at >= 110, `answered ${health.answeredAt! - health.at} ms after arrival`);
  });

  it('counts recorded requests by path, method, status and arrival time', async () => {
    await client(server).write('secret/data/a', { data: { v: 1 } });
    await vaultError(client(server).read('secret/data/missing'));
    const mark = Date.now();
    await client(server).read('secret/data/a');
    assert.equal(server.countRequests(), 3);
    assert.equal(server.countRequests({ path: 'secret/data/a' }), 2);
    assert.equal(server.countRequests({ path: /^secret\/data\//, method: 'get' }), 2);
    assert.equal(server.countRequests({ status: 404 }), 1);
    assert.equal(server.countRequests({ path: 'secret/data/a' }, mark), 1);
  });
});
