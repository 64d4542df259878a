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

  it('reads every secret kind: kv1, read, static (inferred) and pki with its issue parameters', () => {
    const request = parseAnnotations({
      ...base,
      'vaultlet.io/secret-legacy': 'kv/team/app', 'vaultlet.io/kind-legacy': 'kv1',
      'vaultlet.io/secret-legacy-nested': 'app', 'vaultlet.io/kind-legacy-nested': 'kv1', 'vaultlet.io/mount-legacy-nested': 'kv/team',
      'vaultlet.io/secret-any': 'sys/mounts/secret/tune', 'vaultlet.io/kind-any': 'read',
      'vaultlet.io/secret-db-owner': 'database/static-creds/owner',
      'vaultlet.io/secret-tls': 'pki/int/issue/web?common_name=web.demo.svc&alt_names=web,web.demo&ttl=24h', 'vaultlet.io/kind-tls': 'pki',
      'vaultlet.io/secret-bare': 'pki/issue/web', 'vaultlet.io/kind-bare': 'pki',
    }, defaults);
    const byFile = Object.fromEntries(request.secrets.map((secret) => [secret.file, secret]));
    assert.deepEqual(byFile.legacy, { kind: 'kv1', mount: 'kv', path: 'team/app', file: 'legacy' });
    assert.deepEqual(byFile['legacy-nested'], { kind: 'kv1', mount: 'kv/team', path: 'app', file: 'legacy-nested' });
    assert.deepEqual(byFile.any, { kind: 'read', path: 'sys/mounts/secret/tune', file: 'any' });
    assert.deepEqual(byFile['db-owner'], { kind: 'static', mount: 'database', role: 'owner', file: 'db-owner' });
    assert.deepEqual(byFile.tls, {
      kind: 'pki', mount: 'pki/int', role: 'web', file: 'tls',
      params: { common_name: 'web.demo.svc', alt_names: 'web,web.demo', ttl: '24h' },
    });
    assert.deepEqual(byFile.bare, { kind: 'pki', mount: 'pki', role: 'web', params: {}, file: 'bare' });
  });

  it('checks pki and static paths and certificate parameters', () => {
    assert.deepEqual(problems({
      ...base,
      'vaultlet.io/secret-a': 'pki/sign/web', 'vaultlet.io/kind-a': 'pki',
      'vaultlet.io/secret-b': 'pki/issue/web?format=der', 'vaultlet.io/kind-b': 'pki',
      'vaultlet.io/secret-c': 'pki/issue/web?ttl=1h&ttl=2h', 'vaultlet.io/kind-c': 'pki',
      'vaultlet.io/secret-d': 'secret/app?version=2',
      'vaultlet.io/secret-e': 'database/static-creds', 'vaultlet.io/kind-e': 'static',
      'vaultlet.io/secret-f': 'web', 'vaultlet.io/kind-f': 'pki', 'vaultlet.io/mount-f': 'pki',
    }), [
      'vaultlet.io/secret-a: must be <mount>/issue/<role> for a certificate, e.g. pki/issue/web?common_name=web.demo.svc',
      'vaultlet.io/secret-b: unknown certificate parameter "format" (known: common_name, alt_names, ip_sans, uri_sans, other_sans, ttl, not_after, exclude_cn_from_sans, private_key_format, remove_roots_from_chain, user_ids, issuer_ref)',
      'vaultlet.io/secret-c: certificate parameter "ttl" is given twice (use one comma-separated list)',
      // A query means certificate parameters: the value is read as a pki path, not guessed as KV.
      'vaultlet.io/secret-d: must be <mount>/issue/<role> for a certificate, e.g. pki/issue/web?common_name=web.demo.svc',
      'vaultlet.io/secret-e: must be <mount>/static-creds/<role> for a static role, e.g. database/static-creds/my-app',
      "vaultlet.io/mount-f: only for kind kv2 or kv1 (the other kinds' paths already start with their mount)",
    ]);
  });

  it('reads a template, a file mode and on-change actions per file', () => {
    const request = parseAnnotations({
      ...base,
      'vaultlet.io/secret-app.conf': 'secret/data/app',
      'vaultlet.io/template-app.conf': 'user={{data.username}}\n',
      'vaultlet.io/file-mode-app.conf': '0440',
      'vaultlet.io/on-change-app.conf': 'signal:SIGHUP:nginx\n  http://127.0.0.1:8080/-/reload',
      'vaultlet.io/secret-page': 'secret/data/page', 'vaultlet.io/format-page': 'template', 'vaultlet.io/template-page': '{{data.html}}',
    }, defaults);
    assert.deepEqual(request.secrets[0], {
      kind: 'kv2', mount: 'secret', path: 'app', file: 'app.conf', format: 'template', template: 'user={{data.username}}\n', fileMode: '0440',
      onChange: [{ signal: 'SIGHUP', process: 'nginx' }, { http: 'http://127.0.0.1:8080/-/reload' }],
    });
    assert.equal(request.secrets[1]!.format, 'template');
    assert.deepEqual(problems({
      ...base,
      'vaultlet.io/secret-a': 'secret/a', 'vaultlet.io/template-a': '{{data.x}}', 'vaultlet.io/format-a': 'json',
      'vaultlet.io/secret-b': 'secret/b', 'vaultlet.io/format-b': 'template',
      'vaultlet.io/secret-c': 'secret/c', 'vaultlet.io/on-change-c': 'signal:SIGKILL:app reload-please',
      'vaultlet.io/secret-d': 'secret/d', 'vaultlet.io/format-d': 'pem',
      'vaultlet.io/file-mode-e': '0400',
    }), [
      'vaultlet.io/format-a: must be template (or left out) when vaultlet.io/template-a is set',
      'vaultlet.io/template-b: required when vaultlet.io/format-b is template',
      'vaultlet.io/on-change-c: action 1: the signal must be one of SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGWINCH (got "SIGKILL")',
      'vaultlet.io/on-change-c: action 2: each action must be signal:<SIGNAL>:<process> or an http://127.0.0.1:<port>/<path> URL, separated by spaces',
      'vaultlet.io/field-d: required when vaultlet.io/format-d is pem',
      'vaultlet.io/file-mode-e: there is no vaultlet.io/secret-e annotation for this file',
    ]);
  });

  it('says template files are not supported, pointing at the inline annotation', () => {
    assert.deepEqual(problems({ ...base, 'vaultlet.io/secret-app': 'secret/app', 'vaultlet.io/template-file-app': '/etc/app.tmpl' }), [
      "vaultlet.io/template-file-app: template files are not supported by the injector (the agent container mounts none of the pod's volumes); write the template inline in vaultlet.io/template-app",
    ]);
  });

  it('reads the auth method and audience; kubernetes is the default unless the settings say otherwise', () => {
    const secret = { 'vaultlet.io/secret-a': 'secret/a' };
    assert.deepEqual(parseAnnotations({ ...base, ...secret }, defaults).auth, { method: 'kubernetes' });
    assert.deepEqual(parseAnnotations({ ...base, ...secret }, { ...defaults, authMethod: 'jwt' }).auth, { method: 'jwt' });
    assert.deepEqual(parseAnnotations({ ...base, ...secret, 'vaultlet.io/auth-method': 'jwt', 'vaultlet.io/auth-audience': 'https://vault.example' }, defaults).auth, {
      method: 'jwt', audience: 'https://vault.example',
    });
    assert.deepEqual(problems({ ...base, ...secret, 'vaultlet.io/auth-method': 'approle', 'vaultlet.io/auth-audience': 'a b' }), [
      'vaultlet.io/auth-method: must be "kubernetes" or "jwt" (got "approle")',
      'vaultlet.io/auth-audience: must be a non-empty audience without spaces (got "a b")',
    ]);
  });

  it('names the annotation of every problem', () => {
    assert.deepEqual(problems({
      ...base,
      'vaultlet.io/secret-Upper': 'secret/a',
      'vaultlet.io/secret-raw': 'secret/a', 'vaultlet.io/format-raw': 'raw',
      'vaultlet.io/secret-leased': 'database/creds/x', 'vaultlet.io/mount-leased': 'database',
      'vaultlet.io/secret-odd': 'secret/../sys', 'vaultlet.io/kind-odd': 'vault',
      'vaultlet.io/format-orphan': 'json',
      'vaultlet.io/secret-short': 'secret',
      'vaultlet.io/field-short': 'password',
      'vaultlet.io/env-prefix-short': 'X',
    }), [
      'vaultlet.io/secret-Upper: "Upper" must be a file name of lowercase letters, digits, "_", "." and "-", starting with a letter or digit',
      "vaultlet.io/mount-leased: only for kind kv2 or kv1 (the other kinds' paths already start with their mount)",
      'vaultlet.io/secret-odd: must not contain "." or ".." segments',
      'vaultlet.io/kind-odd: must be one of leased, read, kv2, kv1, pki, static (got "vault")',
      'vaultlet.io/format-orphan: there is no vaultlet.io/secret-orphan annotation for this file',
      'vaultlet.io/field-raw: required when vaultlet.io/format-raw is raw',
      'vaultlet.io/field-short: only allowed when vaultlet.io/format-short is raw or pem',
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
