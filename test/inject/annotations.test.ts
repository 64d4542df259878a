import assert from 'node:assert/strict';
import { parseAnnotations, wantsInjection } from '../../src/inject/annotations.js';
import { ConfigError } from '../../src/errors.js';

const defaults = { nativeSidecar: true };
const base = { 'vaultlet.io/inject': 'true', 'vaultlet.io/role': 'app' };

function problems(annotations: Record<string, string>, options: { role?: string; nativeSidecar: boolean } = defaults): readonly string[] {
  try {
    parseAnnotations(annotations, options);
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return error.issues;
  }
  assert.fail('expected a refusal');
}

describe('inject annotations', () => {
  it('infers leased for creds paths and KV v2 (API or CLI form) for the rest', () => {
    const request = parseAnnotations({
      ...base,
      'vaultlet.io/secret-db': 'database/creds/app',
      'vaultlet.io/secret-aws.json': 'aws/sts/deploy',
      'vaultlet.io/secret-api': 'secret/data/team/app/config',
      'vaultlet.io/secret-cli': 'kv/team/app',
      'vaultlet.io/secret-nested': 'team-a/app',
      'vaultlet.io/mount-nested': 'kv/team-a',
      'vaultlet.io/secret-forced': 'pki/issue/web',
      'vaultlet.io/kind-forced': 'leased',
    }, defaults);
    const byFile = Object.fromEntries(request.secrets.map((secret) => [secret.file, secret]));
    assert.deepEqual(byFile.db, { kind: 'leased', path: 'database/creds/app', file: 'db' });
    assert.deepEqual(byFile['aws.json'], { kind: 'leased', path: 'aws/sts/deploy', file: 'aws.json' });
    assert.deepEqual(byFile.api, { kind: 'kv2', mount: 'secret', path: 'team/app/config', file: 'api' });
    assert.deepEqual(byFile.cli, { kind: 'kv2', mount: 'kv', path: 'team/app', file: 'cli' });
    assert.deepEqual(byFile.nested, { kind: 'kv2', mount: 'kv/team-a', path: 'team-a/app', file: 'nested' });
    assert.deepEqual(byFile.forced, { kind: 'leased', path: 'pki/issue/web', file: 'forced' });
    assert.deepEqual([request.role, request.mode, request.nativeSidecar, request.initFirst], ['app', 'sidecar', true, true]);
  });

  it('uses the default role and native mode from the settings unless annotated', () => {
    const request = parseAnnotations({ 'vaultlet.io/inject': 'true', 'vaultlet.io/secret-a': 'secret/a' }, { role: 'fallback', nativeSidecar: false });
    assert.equal(request.role, 'fallback');
    assert.equal(request.nativeSidecar, false);
    assert.equal(parseAnnotations({ ...base, 'vaultlet.io/secret-a': 'secret/a', 'vaultlet.io/native-sidecar': 'true' }, { nativeSidecar: false }).nativeSidecar, true);
  });

  it('passes format, field and env prefix through', () => {
    const request = parseAnnotations({
      ...base,
      'vaultlet.io/secret-password': 'secret/data/app', 'vaultlet.io/format-password': 'raw', 'vaultlet.io/field-password': 'password',
      'vaultlet.io/secret-app.env': 'secret/data/app', 'vaultlet.io/format-app.env': 'env', 'vaultlet.io/env-prefix-app.env': 'APP_',
    }, defaults);
    assert.deepEqual(request.secrets.map((secret) => [secret.file, secret.format, secret.field, secret.envPrefix]), [
      ['app.env', 'env', undefined, 'APP_'],
      ['password', 'raw', 'password', undefined],
    ]);
  });

  it('names the annotation of every problem', () => {
    assert.deepEqual(problems({
      ...base,
      'vaultlet.io/secret-Upper': 'secret/a',
      'vaultlet.io/secret-raw': 'secret/a', 'vaultlet.io/format-raw': 'raw',
      'vaultlet.io/secret-leased': 'database/creds/x', 'vaultlet.io/mount-leased': 'database',
      'vaultlet.io/secret-odd': 'secret/../sys', 'vaultlet.io/kind-odd': 'pki',
      'vaultlet.io/format-orphan': 'json',
      'vaultlet.io/secret-short': 'secret',
      'vaultlet.io/env-prefix-short': 'X',
    }), [
      'vaultlet.io/secret-Upper: "Upper" must be a file name of lowercase letters, digits, "_", "." and "-", starting with a letter or digit',
      'vaultlet.io/mount-leased: only for kind kv2 (a leased path already starts with its mount)',
      'vaultlet.io/secret-odd: must not contain "." or ".." segments',
      'vaultlet.io/kind-odd: must be "leased" or "kv2" (got "pki")',
      'vaultlet.io/format-orphan: there is no vaultlet.io/secret-orphan annotation for this file',
      'vaultlet.io/field-raw: required when vaultlet.io/format-raw is raw',
      'vaultlet.io/env-prefix-short: only allowed when vaultlet.io/format-short is env',
    ]);
    assert.deepEqual(problems({ ...base, 'vaultlet.io/secret-short': 'secret' }), [
      'vaultlet.io/secret-short: must be <mount>/<path> for a KV v2 secret, e.g. secret/data/my-app/config',
    ]);
    assert.deepEqual(problems({ ...base, 'vaultlet.io/role': 'a b', 'vaultlet.io/secret-x': 'secret/x' }), [
      'vaultlet.io/role: must be a Vault role name without spaces or "/" (got "a b")',
    ]);
  });

  it('reads vaultlet.io/inject strictly', () => {
    assert.equal(wantsInjection({}), false);
    assert.equal(wantsInjection({ 'vaultlet.io/inject': 'false' }), false);
    assert.equal(wantsInjection({ 'vaultlet.io/inject': 'true' }), true);
    assert.throws(() => wantsInjection({ 'vaultlet.io/inject': 'True' }), /vaultlet\.io\/inject: must be "true" or "false" \(got "True"\)/);
  });
});
