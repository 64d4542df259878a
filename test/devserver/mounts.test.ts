import assert from 'node:assert/strict';
import { startDevServer, type DevServer } from '../../src/devserver/index.js';
import { call } from './helpers.js';

describe('devserver sys/mounts and sys/auth (a setup script written for Vault runs as is)', () => {
  let server: DevServer;
  beforeEach(async () => {
    server = await startDevServer({ port: 0 });
  });
  afterEach(() => server.close());
  const root = (method: string, path: string, body?: unknown) => call(server, method, `/v1/${path}`, { token: server.rootToken, ...(body ? { body } : {}) });

  it('answers enabling an engine or auth method it already serves with Vault\'s "path is already in use"', async () => {
    assert.deepEqual(await root('POST', 'sys/mounts/database', { type: 'database' }).then((r) => [r.status, r.body.errors]), [400, ['path is already in use at database/']]);
    assert.deepEqual(await root('POST', 'sys/auth/kubernetes', { type: 'kubernetes' }).then((r) => [r.status, r.body.errors]), [400, ['path is already in use at kubernetes/']]);
    const other = await root('POST', 'sys/mounts/transit', { type: 'transit' });
    assert.equal(other.status, 400);
    assert.match(other.body.errors[0], /mounts are fixed/);
  });
});
