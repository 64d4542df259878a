import assert from 'node:assert/strict';
import { parseConfig, type Config } from '../../src/config/index.js';
import { ConfigError } from '../../src/errors.js';
import { compileTemplates } from '../../src/files/compile-templates.js';
import { fileRenderer } from '../../src/files/file-renderer.js';
import { agentConfigYaml } from '../../src/inject/agent-config.js';
import { parseAnnotations } from '../../src/inject/annotations.js';
import { parseInjectorSettings } from '../../src/inject/settings.js';
import type { Lease } from '../../src/lease/lease.js';

const settings = parseInjectorSettings('', 'test');
const base = { 'vaultlet.io/inject': 'true', 'vaultlet.io/role': 'app' };

function generated(annotations: Record<string, string>, group = 65532): Config {
  const request = parseAnnotations({ ...base, ...annotations }, { nativeSidecar: true });
  return parseConfig(agentConfigYaml(request, settings, { group }), 'generated', {});
}

function refusal(annotations: Record<string, string>): readonly string[] {
  const request = parseAnnotations({ ...base, ...annotations }, { nativeSidecar: true });
  try {
    agentConfigYaml(request, settings, { group: 65532 });
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    assert.match(error.message, /^vaultlet injection refused: the annotations give an invalid vaultlet config/);
    return error.issues;
  }
  assert.fail('expected a refusal');
}

const lease = (data: Record<string, unknown>): Lease => ({ id: '', ttlMs: 0, renewable: false, obtainedAt: Date.now(), version: 3, data });

describe('inject: the generated agent config', () => {
  it('is accepted by the agent, which renders the annotated template with the agent\'s own compiler', async () => {
    const config = generated({
      'vaultlet.io/secret-app.conf': 'secret/data/app',
      'vaultlet.io/template-app.conf': '[db]\nuser = {{data.username}}\npassword = {{quote data.password}}\nversion = {{lease.version}}\n',
      'vaultlet.io/file-mode-app.conf': '0400',
      'vaultlet.io/on-change-app.conf': 'signal:SIGHUP:nginx http://127.0.0.1:8080/-/reload',
    }, 1000);
    const file = config.files.find((entry) => entry.file === 'app.conf')!;
    assert.deepEqual({ ...file, render: file.render.format, key: undefined }, {
      file: 'app.conf', secrets: ['app.conf'], render: 'template', mode: 0o400, gid: 1000, key: undefined,
      onChange: [
        { kind: 'signal', process: 'nginx', signal: 'SIGHUP', timeoutMs: 30_000 },
        { kind: 'http', url: 'http://127.0.0.1:8080/-/reload', method: 'POST', timeoutMs: 30_000 },
      ],
    });
    const templates = await compileTemplates(config.files, 'generated');
    const bytes = fileRenderer(file, templates.get('app.conf'))(new Map([['app.conf', lease({ username: 'app', password: 'p"w' })]]));
    assert.equal(bytes.toString('utf8'), `[db]\nuser = app\npassword = 'p"w'\nversion = 3\n`);
  });

  it('leaves a file out of read tracking with track-reads-<file>: "false", a certificate\'s three files together', () => {
    const config = generated({
      'vaultlet.io/secret-ca.pem': 'pki/issue/web?common_name=x.demo.svc', 'vaultlet.io/kind-ca.pem': 'pki',
      'vaultlet.io/template-ca.pem': '{{data.issuing_ca}}', 'vaultlet.io/track-reads-ca.pem': 'false',
      'vaultlet.io/secret-tls': 'pki/issue/web?common_name=web.demo.svc', 'vaultlet.io/kind-tls': 'pki', 'vaultlet.io/track-reads-tls': 'false',
      'vaultlet.io/secret-app.json': 'secret/data/app', 'vaultlet.io/track-reads-app.json': 'true',
    });
    assert.deepEqual(config.files.map((file) => [file.file, file.trackReads !== false]), [
      ['app.json', true], ['ca.pem', false], ['tls.crt', false], ['tls.key', false], ['tls-ca.crt', false],
    ]);
    assert.throws(
      () => parseAnnotations({ ...base, 'vaultlet.io/secret-app.json': 'secret/data/app', 'vaultlet.io/track-reads-app.json': 'no' }, { nativeSidecar: true }),
      /vaultlet\.io\/track-reads-app\.json: must be "true" or "false" \(got "no"\)/,
    );
  });

  it('gives every secret kind the agent knows, pki with its certificate files', () => {
    const config = generated({
      'vaultlet.io/secret-legacy.json': 'kv/app', 'vaultlet.io/kind-legacy.json': 'kv1',
      'vaultlet.io/secret-owner.json': 'database/static-creds/owner',
      'vaultlet.io/secret-any.json': 'sys/mounts', 'vaultlet.io/kind-any.json': 'read',
      'vaultlet.io/secret-tls': 'pki/issue/web?common_name=web.demo.svc&ttl=24h', 'vaultlet.io/kind-tls': 'pki',
      'vaultlet.io/file-mode-tls': '0440', 'vaultlet.io/on-change-tls': 'http://localhost:9000/reload',
      'vaultlet.io/secret-ca.pem': 'pki/issue/web?common_name=x.demo.svc', 'vaultlet.io/kind-ca.pem': 'pki',
      'vaultlet.io/template-ca.pem': '{{data.issuing_ca}}',
    });
    assert.deepEqual(config.secrets.map((secret) => secret.kind === 'pki' ? [secret.name, secret.kind, secret.mount, secret.role, secret.params] : [secret.name, secret.kind]), [
      ['any.json', 'read'],
      ['ca.pem', 'pki', 'pki', 'web', { common_name: 'x.demo.svc' }],
      ['legacy.json', 'kv1'],
      ['owner.json', 'static'],
      ['tls', 'pki', 'pki', 'web', { common_name: 'web.demo.svc', ttl: '24h' }],
    ]);
    assert.deepEqual(config.files.map((file) => [file.file, file.render.format, file.mode.toString(8), file.onChange.length]), [
      ['any.json', 'json', '440', 0],
      ['ca.pem', 'template', '440', 0],
      ['legacy.json', 'json', '440', 0],
      ['owner.json', 'json', '440', 0],
      ['tls.crt', 'pem', '440', 1],
      ['tls.key', 'pem', '440', 1],
      ['tls-ca.crt', 'pem', '440', 1],
    ]);
  });

  it('logs in with jwt on the injector\'s jwt mount, expecting the projected token\'s audience', () => {
    assert.deepEqual(generated({ 'vaultlet.io/secret-a': 'secret/a', 'vaultlet.io/auth-method': 'jwt' }).auth, {
      method: 'jwt', mount: 'jwt', role: 'app', tokenPath: '/var/run/secrets/vaultlet/token', audience: 'vault',
    });
    const custom = generated({ 'vaultlet.io/secret-a': 'secret/a', 'vaultlet.io/auth-method': 'jwt', 'vaultlet.io/auth-audience': 'https://vault.example' });
    assert.equal(custom.auth.method === 'jwt' && custom.auth.audience, 'https://vault.example');
    assert.equal(generated({ 'vaultlet.io/secret-a': 'secret/a' }).auth.method, 'kubernetes');
  });

  it('refuses a template the agent could not compile, naming the annotation and the line', () => {
    assert.deepEqual(refusal({
      'vaultlet.io/secret-a.conf': 'secret/a', 'vaultlet.io/template-a.conf': 'one\ntwo\n{{#if data.x}}\nnever closed',
      'vaultlet.io/secret-b.conf': 'secret/b', 'vaultlet.io/template-b.conf': 'user={{data.user}}\n{{base64 data.x}}\n{{shout data.y}}',
      'vaultlet.io/secret-c.conf': 'secret/c', 'vaultlet.io/template-c.conf': '{{> header}}',
    }).map((issue) => issue.replace(/ after ".*"$/, ' after …').replace(/ \(available: .*\)$/, ' (available: …)')), [
      'vaultlet.io/template-a.conf: line 4: syntax error: Expecting \'OPEN_INVERSE_CHAIN\', \'INVERSE\', \'OPEN_ENDBLOCK\', got \'EOF\' after …',
      'vaultlet.io/template-b.conf: line 3: unknown helper "shout" (available: …)',
      'vaultlet.io/template-c.conf: line 1: partials ({{> name}}) are not supported',
    ]);
  });

  it('puts the agent parser\'s problems back in the annotations\' words, without echoing URLs', () => {
    const issues = refusal({
      'vaultlet.io/secret-a': 'secret/a', 'vaultlet.io/file-mode-a': '0666',
      'vaultlet.io/on-change-a': 'http://127.0.0.1:8080/ok http://user:hunter2@10.0.0.7/reload',
      'vaultlet.io/secret-b': 'secret/b', 'vaultlet.io/file-mode-b': 'rw-r-----', 'vaultlet.io/template-b': 'line one\n{{#with data}}x{{/each}}',
    });
    assert.deepEqual(issues, [
      'vaultlet.io/file-mode-a: must not be world-writable (got 0666)',
      'vaultlet.io/on-change-a: action 2: must point at the pod itself (127.0.0.1, localhost or [::1])',
      'vaultlet.io/file-mode-b: must be an octal string like "0400" or an integer (got "rw-r-----")',
      "vaultlet.io/template-b: line 2: with doesn't match each",
    ]);
    assert.ok(!issues.join(' ').includes('hunter2'), 'a URL\'s credentials are never echoed');
    assert.deepEqual(refusal({
      'vaultlet.io/secret-tls': 'pki/issue/web?common_name=a.demo.svc', 'vaultlet.io/kind-tls': 'pki',
      'vaultlet.io/secret-tls.key': 'secret/data/keys',
    }), ['vaultlet.io/secret-tls.key: file "tls.key" is also written by vaultlet.io/secret-tls']);
  });
});
