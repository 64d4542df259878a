import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../src/errors.js';
import { loadConfig, parseConfig, type Config } from '../../src/config/index.js';
import { FULL_YAML, MINIMAL_YAML, minimalDocument } from './fixtures.js';

/** The ConfigError parseConfig throws for `text`, failing the test if it does not throw one. */
function configError(text: string, env: NodeJS.ProcessEnv = {}): ConfigError {
  try {
    parseConfig(text, 'vaultlet.yaml', env);
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected ConfigError, got ${String(error)}`);
    assert.equal(error.code, 'VAULTLET_CONFIG');
    return error;
  }
  assert.fail('parseConfig accepted an invalid config');
}

describe('parseConfig', () => {
  it('resolves a full config to camelCase with durations in ms and modes resolved per secret', () => {
    const expected: Config = {
      vault: {
        address: 'https://vault.example:8200', namespace: 'team-a', caCert: '/etc/vault/ca.pem', caPath: '/etc/vault/cas/',
        clientCert: '/etc/vault/tls.crt', clientKey: '/etc/vault/tls.key', tlsSkipVerify: true, maxRetries: 5,
        requestTimeoutMs: 60_000, retryCapMs: 5_400_000,
      },
      auth: { method: 'kubernetes', mount: 'k8s-prod', role: 'my-app', tokenPath: '/var/run/secrets/tokens/vault' },
      output: { directory: '/vault/secrets', mode: 0o440, uid: 1000, gid: 2000 },
      secrets: [
        { name: 'db', kind: 'leased', path: 'database/creds/app', method: 'POST', params: { ttl: '1h' } },
        { name: 'app-config', kind: 'kv2', mount: 'kv', path: 'myapp/config', version: 3, refreshIntervalMs: 90_000 },
        { name: 'aws', kind: 'leased', path: 'aws/creds/deploy', method: 'GET', params: {} },
      ],
      files: [
        { file: 'db-password', secrets: ['db'], render: { format: 'raw', field: 'password' }, mode: 0o400, uid: 1000, gid: 2000, onChange: [], key: 'secrets[0]' },
        { file: 'app-config.env', secrets: ['app-config'], render: { format: 'env', envPrefix: 'APP_' }, mode: 0o440, uid: 1000, gid: 2000, onChange: [], key: 'secrets[1]' },
        { file: 'aws.json', secrets: ['aws'], render: { format: 'json' }, mode: 0o440, uid: 1000, gid: 2000, onChange: [], key: 'secrets[2]' },
      ],
      actions: { debounceMs: 1000 },
      readEndpoint: false,
      listen: { host: '127.0.0.1', port: 9000 },
      state: { file: '/run/vaultlet/state.json' },
      shutdown: { revoke: false, gracePeriodMs: 10_000 },
      log: { level: 'debug' },
    };
    assert.deepEqual(parseConfig(FULL_YAML, 'full.yaml', {}), expected);
  });

  it('fills every default for a minimal config', () => {
    const expected: Config = {
      vault: { address: 'http://127.0.0.1:8200', tlsSkipVerify: false, maxRetries: 2, requestTimeoutMs: 30_000, retryCapMs: 30_000 },
      auth: { method: 'token_file', path: '/home/me/.vault-token', wrapped: false },
      output: { directory: '/vault/secrets', mode: 0o400 },
      secrets: [{ name: 'app', kind: 'kv2', mount: 'secret', path: 'myapp/config', refreshIntervalMs: 300_000 }],
      files: [{ file: 'app.json', secrets: ['app'], render: { format: 'json' }, mode: 0o400, onChange: [], key: 'secrets[0]' }],
      actions: { debounceMs: 1000 },
      readEndpoint: false,
      listen: { host: '0.0.0.0', port: 8098 },
      state: false,
      shutdown: { revoke: true, gracePeriodMs: 5_000 },
      log: { level: 'info' },
    };
    assert.deepEqual(parseConfig(MINIMAL_YAML, 'minimal.yaml', {}), expected);
  });

  it('turns the state file off with state: false, and rejects a relative state path', () => {
    assert.equal(parseConfig(JSON.stringify({ ...minimalDocument(), state: false }), 's.yaml', {}).state, false);
    assert.throws(() => parseConfig(JSON.stringify({ ...minimalDocument(), state: { file: 'state.json' } }), 's.yaml', {}), /state\.file/);
    assert.throws(() => parseConfig(JSON.stringify({ ...minimalDocument(), state: {} }), 's.yaml', {}), /state\.file: required/);
  });

  it('refuses a state file inside the output directory, which the app reads: it holds the Vault token', () => {
    const withState = (file: string) => JSON.stringify({ ...minimalDocument(), state: { file } });
    for (const file of ['/vault/secrets/.vaultlet/state.json', '/vault/secrets/state.json', '/vault/secrets/../secrets/x/state.json', '/vault//secrets/s.json']) {
      assert.throws(() => parseConfig(withState(file), 's.yaml', {}), (error: ConfigError) => {
        assert.ok(error.issues.some((issue) => /^state\.file: must be outside output\.directory \(\/vault\/secrets\)/.test(issue)), `${file}: ${error.issues.join('; ')}`);
        return true;
      });
    }
    for (const file of ['/vault/secrets-state/state.json', '/var/lib/vaultlet/agent/state.json', '/vault/state.json']) {
      assert.deepEqual(parseConfig(withState(file), 's.yaml', {}).state, { file });
    }
  });

  it('fills kubernetes auth defaults and disables the HTTP server with listen: false', () => {
    const config = parseConfig(`${JSON.stringify({ ...minimalDocument(), listen: false })}`, 'k.yaml', {});
    assert.deepEqual(config.auth, {
      method: 'kubernetes', mount: 'kubernetes', role: 'my-app', tokenPath: '/var/run/secrets/kubernetes.io/serviceaccount/token',
    });
    assert.equal(config.listen, false);
  });

  it('reads file modes as chmod-style octal however they are written', () => {
    const rows: Array<[string, number]> = [['"0640"', 0o640], ['"440"', 0o440], ['"0o600"', 0o600], ['0640', 0o640], ['0o640', 0o640], ['400', 0o400], ['440', 0o440]];
    for (const [written, mode] of rows) {
      const text = `${MINIMAL_YAML}\n  - { name: extra, kind: kv2, path: p, mode: ${written} }\n`;
      assert.equal(parseConfig(text, 'm.yaml', {}).files[1]!.mode, mode, written);
    }
  });

  type Row = [title: string, change: (doc: Record<string, any>) => void, expected: string];
  const errorRows: Row[] = [
    ['unknown top-level key', (d) => { d.colour = 'red'; }, 'colour: unknown key'],
    ['unknown key in a secret', (d) => { d.secrets[0].colour = 'red'; }, 'secrets[0].colour: unknown key'],
    ['key of the other kind', (d) => { d.secrets[0].refresh_interval = '5m'; }, 'secrets[0].refresh_interval: unknown key (only for kind kv2, kv1 or read)'],
    ['bad format', (d) => { d.secrets[0].format = 'xml'; }, 'secrets[0].format: must be one of json, env, yaml, properties, raw, pem, template (got "xml")'],
    ['bad kind', (d) => { d.secrets[0].kind = 'transit'; }, 'secrets[0].kind: must be one of leased, read, kv2, kv1, pki, static (got "transit")'],
    ['missing kind', (d) => { delete d.secrets[0].kind; }, 'secrets[0].kind: required, one of leased, read, kv2, kv1, pki, static'],
    ['kubernetes without role', (d) => { delete d.auth.role; }, 'auth.role: required for method kubernetes'],
    ['token_file without path', (d) => { d.auth = { method: 'token_file' }; }, 'auth.path: required for method token_file'],
    ['unknown auth method', (d) => { d.auth.method = 'ldap'; }, 'auth.method: must be one of kubernetes, jwt, approle, token_file (got "ldap")'],
    ['relative output directory', (d) => { d.output.directory = 'secrets'; }, 'output.directory: must be an absolute path'],
    ['missing output directory', (d) => { d.output = {}; }, 'output.directory: required'],
    ['no secrets', (d) => { d.secrets = []; }, 'secrets: must list at least one secret'],
    ['duplicate names', (d) => { d.secrets.push({ ...d.secrets[0], file: 'other.json' }); }, 'secrets[1].name: duplicate name "db" (also secrets[0])'],
    ['duplicate files', (d) => { d.secrets.push({ name: 'db2', kind: 'kv2', path: 'x', file: 'db.json' }); }, 'secrets[1]: file "db.json" is also written by secrets[0]'],
    ['raw without field', (d) => { d.secrets[0].format = 'raw'; }, 'secrets[0].field: required when format is raw'],
    ['field without raw', (d) => { d.secrets[0].field = 'password'; }, 'secrets[0].field: only allowed when format is raw or pem'],
    ['env_prefix without env', (d) => { d.secrets[0].env_prefix = 'DB_'; }, 'secrets[0].env_prefix: only allowed when format is env'],
    ['params with GET', (d) => { d.secrets[0].params = { ttl: 'hunter2' }; }, 'secrets[0].params: only allowed with method POST'],
    ['bad name', (d) => { d.secrets[0].name = 'DB!'; }, 'secrets[0].name: must match'],
    ['leading slash in path', (d) => { d.secrets[0].path = '/database/creds/app'; }, 'secrets[0].path: must not start with "/"'],
    ['.. in path', (d) => { d.secrets[0].path = 'database/../sys/seal'; }, 'secrets[0].path: must not contain ".." segments'],
    ['file with slash', (d) => { d.secrets[0].file = '../etc/passwd'; }, 'secrets[0].file: must be a file name without "/"'],
    ['hidden file', (d) => { d.secrets[0].file = '.db.json'; }, 'secrets[0].file: must not start with "."'],
    ['world-writable mode', (d) => { d.output.mode = '0666'; }, 'output.mode: must not be world-writable (got 0666)'],
    ['mode above 0777', (d) => { d.secrets[0].mode = '4755'; }, 'secrets[0].mode: must be between 0 and 0777'],
    ['mode not octal', (d) => { d.output.mode = 'rw-r--r--'; }, 'output.mode: must be an octal string'],
    ['negative uid', (d) => { d.output.uid = -1; }, 'output.uid: must be >= 0'],
    ['bad method', (d) => { d.secrets[0].method = 'PUT'; }, 'secrets[0].method: must be one of GET, POST (got "PUT")'],
    ['refresh below 1s', (d) => { d.secrets[0] = { name: 'c', kind: 'kv2', path: 'p', refresh_interval: '500ms' }; }, 'secrets[0].refresh_interval: must be at least 1s'],
    ['kv2 version 0', (d) => { d.secrets[0] = { name: 'c', kind: 'kv2', path: 'p', version: 0 }; }, 'secrets[0].version: must be >= 1'],
    ['garbage duration', (d) => { d.shutdown = { grace_period: 'soon' }; }, 'shutdown.grace_period: must be a duration like'],
    ['negative duration', (d) => { d.vault = { request_timeout: '-1s' }; }, 'vault.request_timeout: must not be negative'],
    ['non-http address', (d) => { d.vault = { address: 'vault.example:8200' }; }, 'vault.address: must use http:// or https://'],
    ['negative max_retries', (d) => { d.vault = { max_retries: -1 }; }, 'vault.max_retries: must be >= 0'],
    ['port out of range', (d) => { d.listen = { port: 70000 }; }, 'listen.port: must be between 0 and 65535'],
    ['listen: true', (d) => { d.listen = true; }, 'listen: must be false or a mapping with host and port'],
    ['bad log level', (d) => { d.log = { level: 'verbose' }; }, 'log.level: must be one of debug, info, warn, error (got "verbose")'],
    ['wrong type', (d) => { d.shutdown = { revoke: 'yes' }; }, 'shutdown.revoke: must be true or false (got string)'],
    ['file keys next to files', (d) => { d.secrets[0].files = [{ file: 'a.json' }]; d.secrets[0].format = 'env'; }, 'secrets[0].format: not allowed together with files'],
    ['files entry without file', (d) => { d.secrets[0].files = [{ format: 'env' }]; }, 'secrets[0].files[0].file: required'],
    ['template with another format', (d) => { d.secrets[0].template = '{{data.x}}'; d.secrets[0].format = 'json'; }, 'secrets[0].format: must be template (or left out) when template or template_file is set'],
    ['template and template_file', (d) => { d.secrets[0].template = 'x'; d.secrets[0].template_file = '/t.tmpl'; }, 'secrets[0].template_file: not allowed together with template'],
    ['format template without one', (d) => { d.secrets[0].format = 'template'; }, 'secrets[0].template: required when format is template'],
    ['pem without fields', (d) => { d.secrets[0].format = 'pem'; }, 'secrets[0].fields: required when format is pem'],
    ['fields without pem', (d) => { d.secrets[0].fields = ['a']; }, 'secrets[0].fields: only allowed when format is pem'],
    ['template naming an unknown secret', (d) => { d.templates = [{ file: 't.conf', secrets: ['nope'], template: 'x' }]; }, 'templates[0].secrets[0]: no secret named "nope"'],
    ['template file clashing with a secret file', (d) => { d.templates = [{ file: 'db.json', secrets: ['db'], template: 'x' }]; }, 'templates[0]: file "db.json" is also written by secrets[0]'],
    ['two files entries with one name', (d) => { d.secrets[0].files = [{ file: 'a' , format: 'json' }, { file: 'a', format: 'env' }]; }, 'secrets[0].files[1]: file "a" is also written by secrets[0].files[0]'],
    ['http action off the pod', (d) => { d.secrets[0].on_change = [{ http: 'http://example.com/reload' }]; }, 'secrets[0].on_change[0]'],
    ['signal action without process', (d) => { d.secrets[0].on_change = [{ signal: 'SIGHUP' }]; }, 'secrets[0].on_change[0]'],
    ['pki rotate_fraction out of range', (d) => { d.secrets[0] = { name: 'tls', kind: 'pki', role: 'web', rotate_fraction: 0.95 }; }, 'secrets[0].rotate_fraction: must be between 0.1 and 0.9'],
    ['static without role', (d) => { d.secrets[0] = { name: 'pg', kind: 'static' }; }, 'secrets[0].role: required'],
    ['jwt without role', (d) => { d.auth = { method: 'jwt' }; }, 'auth.role: required for method jwt'],
    ['approle without role_id_file', (d) => { d.auth = { method: 'approle' }; }, 'auth.role_id_file: required'],
    ['wrapped secret_id without its file', (d) => { d.auth = { method: 'approle', role_id_file: '/r', secret_id_wrapped: true }; }, 'auth.secret_id_wrapped: needs secret_id_file'],
    ['read endpoint off loopback', (d) => { d.read_endpoint = { host: '0.0.0.0' }; }, 'read_endpoint.host: must be a loopback address'],
  ];
  for (const [title, change, expected] of errorRows) {
    it(`reports ${title}`, () => {
      const document = minimalDocument();
      change(document);
      const error = configError(JSON.stringify(document));
      assert.ok(error.issues.some((issue) => issue.startsWith(expected)), `no issue starting with ${expected} in\n${error.message}`);
      assert.ok(error.message.startsWith('vaultlet.yaml: invalid configuration'), error.message);
    });
  }

  it('never echoes params values', () => {
    const document = minimalDocument();
    document.secrets[0].params = { password: 'hunter2' };
    document.secrets[1] = { name: 'x', kind: 'leased', path: 'p', params: 'hunter2' };
    const error = configError(JSON.stringify(document));
    assert.equal(error.issues.length, 2, error.message);
    assert.ok(!error.message.includes('hunter2'), error.message);
  });

  it('reports every problem at once, grouped by section and secret', () => {
    const error = configError(`
auth: { method: kubernetes }
output: { directory: relative }
secrets:
  - { name: db, kind: leased, path: a, colour: red }
  - { name: db, kind: leased, path: b, format: xml }
`);
    assert.deepEqual(error.issues, [
      'auth.role: required for method kubernetes',
      'output.directory: must be an absolute path',
      'secrets[0].colour: unknown key',
      'secrets[1].format: must be one of json, env, yaml, properties, raw, pem, template (got "xml")',
      'secrets[1].name: duplicate name "db" (also secrets[0])',
    ]);
  });

  it('names every missing section of an empty file', () => {
    assert.deepEqual(configError('').issues, ['auth: required', 'output: required', 'secrets: required']);
  });

  it('reports a YAML syntax error with its line and column', () => {
    const error = configError('auth:\n  method: kubernetes\noutput: [\n  directory: /x\n');
    assert.match(error.message, /^vaultlet\.yaml: invalid YAML/);
    assert.match(error.issues[0]!, /^line \d+, column \d+: /);
    assert.ok(error.issues.some((issue) => /^line [45],/.test(issue)), error.message);
  });

  it('reports a duplicate key with its line', () => {
    const error = configError('auth:\n  method: kubernetes\n  role: a\n  role: b\n');
    assert.deepEqual(error.issues, ['line 4, column 3: duplicate key "role"']);
  });

  it('does not quote the offending source line, which may hold a secret', () => {
    const error = configError('secrets:\n  - params: { password: "hunter2 }\n');
    assert.ok(!error.message.includes('hunter2'), error.message);
  });
});

describe('loadConfig', () => {
  let dir: string;
  beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'vaultlet-config-')); });
  afterEach(async () => { await rm(dir, { recursive: true, force: true }); });

  it('reads and parses a file', async () => {
    const file = join(dir, 'vaultlet.yaml');
    await writeFile(file, MINIMAL_YAML);
    const config = await loadConfig(file, { VAULT_ADDR: 'https://vault.internal:8200' });
    assert.equal(config.vault.address, 'https://vault.internal:8200');
    assert.equal(config.secrets[0]!.name, 'app');
  });

  it('names a missing file', async () => {
    const file = join(dir, 'missing.yaml');
    await assert.rejects(loadConfig(file, {}), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.ok(error.message.includes(file), error.message);
      return true;
    });
  });

  it('names the file in validation errors', async () => {
    const file = join(dir, 'bad.yaml');
    await writeFile(file, 'auth: {}\n');
    await assert.rejects(loadConfig(file, {}), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.ok(error.message.startsWith(`${file}: invalid configuration`), error.message);
      return true;
    });
  });
});
