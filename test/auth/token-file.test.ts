import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuthError } from '../../src/errors.js';
import { createAuthMethod } from '../../src/auth/method.js';
import { tokenFileAuth } from '../../src/auth/token-file.js';

describe('tokenFileAuth', () => {
  let dir: string;
  let path: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vaultlet-token-file-'));
    path = join(dir, 'vault-token');
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('hands over the trimmed token from the file, read afresh each time', async () => {
    const method = tokenFileAuth({ path });
    assert.equal(method.name, 'token_file');
    assert.equal(method.credentialFile, path);
    await writeFile(path, 's.first\n');
    assert.deepEqual(await method.loginPlan(), { kind: 'token', token: 's.first' });
    await writeFile(path, 's.second');
    assert.deepEqual(await method.loginPlan(), { kind: 'token', token: 's.second' });
  });

  it('fails with an AuthError naming the path when the file is missing or empty', async () => {
    const method = createAuthMethod({ method: 'token_file', path });
    await assert.rejects(method.loginPlan(), (error: Error) => error instanceof AuthError && error.message.includes(path));
    await writeFile(path, '\n');
    await assert.rejects(method.loginPlan(), (error: Error) => error instanceof AuthError && /empty/.test(error.message));
  });
});
