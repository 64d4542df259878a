import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuthError } from '../../src/errors.js';
import { kubernetesAuth } from '../../src/auth/kubernetes.js';
import { createAuthMethod } from '../../src/auth/method.js';
import { noopRecorder } from '../../src/metrics/recorder.js';
import { VaultClient } from '../../src/vault/client.js';

/** Kubernetes auth never unwraps anything; the client is only there to satisfy the factory. */
const unusedVault = new VaultClient({
  config: { address: 'http://127.0.0.1:1', tlsSkipVerify: false, maxRetries: 0, requestTimeoutMs: 1000, retryCapMs: 1000 },
  recorder: noopRecorder,
});

describe('kubernetesAuth', () => {
  let dir: string;
  let tokenPath: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vaultlet-k8s-auth-'));
    tokenPath = join(dir, 'token');
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('builds a login to auth/<mount>/login with the role and the trimmed JWT', async () => {
    await writeFile(tokenPath, 'eyJ.first.jwt\n');
    const method = kubernetesAuth({ mount: 'k8s-prod', role: 'web', tokenPath });
    assert.equal(method.name, 'kubernetes');
    assert.equal(method.credentialFile, tokenPath);
    assert.deepEqual(await method.loginPlan(), { kind: 'login', path: 'auth/k8s-prod/login', body: { role: 'web', jwt: 'eyJ.first.jwt' } });
  });

  it('reads the token file afresh on every login plan (rotation)', async () => {
    const method = kubernetesAuth({ mount: 'kubernetes', role: 'web', tokenPath });
    await writeFile(tokenPath, 'jwt-one');
    const first = await method.loginPlan();
    await writeFile(tokenPath, 'jwt-two');
    const second = await method.loginPlan();
    assert.equal(first.kind === 'login' && first.body.jwt, 'jwt-one');
    assert.equal(second.kind === 'login' && second.body.jwt, 'jwt-two');
  });

  it('names the path, not the content, when the file is missing', async () => {
    const method = kubernetesAuth({ mount: 'kubernetes', role: 'web', tokenPath });
    await assert.rejects(method.loginPlan(), (error: Error) => {
      assert.ok(error instanceof AuthError);
      assert.ok(error.message.includes(tokenPath), error.message);
      assert.match(error.message, /ENOENT/);
      return true;
    });
  });

  it('names the path, not the content, when the file is blank', async () => {
    await writeFile(tokenPath, '  \n\t');
    const method = kubernetesAuth({ mount: 'kubernetes', role: 'web', tokenPath });
    await assert.rejects(method.loginPlan(), (error: Error) => error instanceof AuthError && error.message.includes(tokenPath) && /empty/.test(error.message));
  });

  it('does not echo an unreadable file back (a directory in its place)', async () => {
    const method = kubernetesAuth({ mount: 'kubernetes', role: 'web', tokenPath: dir });
    await assert.rejects(method.loginPlan(), (error: Error) => error instanceof AuthError && error.message.includes(dir) && /EISDIR/.test(error.message));
  });

  it('is what createAuthMethod builds for method kubernetes', async () => {
    await writeFile(tokenPath, 'jwt');
    const method = createAuthMethod({ method: 'kubernetes', mount: 'kubernetes', role: 'r', tokenPath }, unusedVault);
    assert.equal(method.name, 'kubernetes');
    assert.equal((await method.loginPlan()).kind, 'login');
  });
});
