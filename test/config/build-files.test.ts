import assert from 'node:assert/strict';
import { buildFiles } from '../../src/config/build-files.js';
import { parseConfig, type FileConfig } from '../../src/config/index.js';
import { errorMap } from '../../src/config/issues.js';
import { documentSchema } from '../../src/config/schema.js';
import { ConfigError } from '../../src/errors.js';

type Entry = Record<string, unknown>;

/** buildFiles over a schema-valid document with these secrets (and templates, output). */
function build(secrets: Entry[], extra: Entry = {}): { files: FileConfig[]; issues: string[] } {
  const parsed = documentSchema.safeParse(
    { auth: { method: 'kubernetes', role: 'app' }, output: { directory: '/vault/secrets' }, secrets, ...extra },
    { error: errorMap },
  );
  if (!parsed.success) assert.fail(`test document is not schema-valid: ${JSON.stringify(parsed.error.issues)}`);
  return buildFiles(parsed.data);
}

function filesOf(secrets: Entry[], extra: Entry = {}): FileConfig[] {
  const { files, issues } = build(secrets, extra);
  assert.deepEqual(issues, []);
  return files;
}

const kv = (more: Entry = {}): Entry => ({ name: 'app', kind: 'kv2', path: 'app/config', ...more });
const pki = (more: Entry = {}): Entry => ({ name: 'tls', kind: 'pki', role: 'web', ...more });
const pemFile = (file: string, fields: string[], key: string, more: Partial<FileConfig> = {}): FileConfig => ({
  file, secrets: ['tls'], render: { format: 'pem', fields }, mode: 0o400, onChange: [], key, ...more,
});

describe('config/buildFiles', () => {
  describe('defaults', () => {
    const names: Array<[Entry, string]> = [
      [{}, 'app.json'],
      [{ format: 'json' }, 'app.json'],
      [{ format: 'env' }, 'app.env'],
      [{ format: 'yaml' }, 'app.yaml'],
      [{ format: 'properties' }, 'app.properties'],
      [{ format: 'pem', field: 'certificate' }, 'app.pem'],
      [{ format: 'raw', field: 'password' }, 'app'],
      [{ template: '{{data.k}}' }, 'app'],
    ];
    for (const [keys, name] of names) {
      it(`names the file ${name} for ${JSON.stringify(keys)}`, () => {
        assert.deepEqual(filesOf([kv(keys)]).map((f) => f.file), [name]);
      });
    }

    it('resolves each format to its render options', () => {
      const render = (keys: Entry) => filesOf([kv(keys)])[0]!.render;
      assert.deepEqual(render({}), { format: 'json' });
      assert.deepEqual(render({ format: 'env' }), { format: 'env', envPrefix: '' });
      assert.deepEqual(render({ format: 'env', env_prefix: 'APP_' }), { format: 'env', envPrefix: 'APP_' });
      assert.deepEqual(render({ format: 'raw', field: 'password' }), { format: 'raw', field: 'password' });
      assert.deepEqual(render({ format: 'pem', field: 'certificate' }), { format: 'pem', fields: ['certificate'] });
      assert.deepEqual(render({ format: 'pem', fields: ['a', 'b'] }), { format: 'pem', fields: ['a', 'b'] });
      assert.deepEqual(render({ file: 'app.conf', template: 'x={{data.x}}' }), {
        format: 'template', template: { name: 'app.conf', inline: 'x={{data.x}}' },
      });
      assert.deepEqual(render({ format: 'template', template_file: '/etc/t/app.hbs' }), {
        format: 'template', template: { name: '/etc/t/app.hbs', file: '/etc/t/app.hbs' },
      });
    });

    it('keeps an explicit file name', () => {
      assert.deepEqual(filesOf([kv({ file: 'config.env', format: 'env' })]).map((f) => f.file), ['config.env']);
    });

    it('writes a certificate with no file keys as <name>.crt, <name>.key and <name>-ca.crt', () => {
      assert.deepEqual(filesOf([pki()]), [
        pemFile('tls.crt', ['certificate'], 'secrets[0]'),
        pemFile('tls.key', ['private_key'], 'secrets[0]'),
        pemFile('tls-ca.crt', ['issuing_ca', 'ca_chain'], 'secrets[0]'),
      ]);
    });

    it('adds <name>-bundle.pem with bundle: true, and gives every file the secret mode, owner and actions', () => {
      const onChange = [{ kind: 'signal', process: 'nginx', signal: 'SIGHUP', timeoutMs: 30_000 }] as FileConfig['onChange'];
      const layout = { mode: 0o440, gid: 101, onChange };
      assert.deepEqual(filesOf([pki({ bundle: true, mode: '0440', gid: 101, on_change: [{ signal: 'SIGHUP', process: 'nginx' }] })]), [
        pemFile('tls.crt', ['certificate'], 'secrets[0]', layout),
        pemFile('tls.key', ['private_key'], 'secrets[0]', layout),
        pemFile('tls-ca.crt', ['issuing_ca', 'ca_chain'], 'secrets[0]', layout),
        pemFile('tls-bundle.pem', ['certificate', 'ca_chain', 'private_key'], 'secrets[0].bundle', layout),
      ]);
    });

    it('writes only the named files of a certificate with file keys or files (the bundle still comes)', () => {
      assert.deepEqual(filesOf([pki({ file: 'tls.pem', format: 'pem', fields: ['certificate', 'private_key'] })]).map((f) => f.file), ['tls.pem']);
      const files = filesOf([pki({ bundle: true, files: [{ file: 'cert.pem', format: 'pem', field: 'certificate' }] })]);
      assert.deepEqual(files.map((f) => [f.file, f.key]), [['cert.pem', 'secrets[0].files[0]'], ['tls-bundle.pem', 'secrets[0].bundle']]);
    });

    it('inherits mode, uid and gid from output unless a secret, file or template sets its own', () => {
      const output = { directory: '/vault/secrets', mode: '0440', uid: 1000, gid: 2000 };
      const files = filesOf(
        [
          kv({ mode: '0400' }),
          { name: 'db', kind: 'leased', path: 'database/creds/app', files: [{ file: 'db.json' }, { file: 'db-user', format: 'raw', field: 'username', gid: 3000 }] },
        ],
        { output, templates: [{ file: 'both.conf', secrets: ['app', 'db'], template: 'x', uid: 0 }] },
      );
      const layout = files.map(({ file, mode, uid, gid }) => ({ file, mode, uid, gid }));
      assert.deepEqual(layout, [
        { file: 'app.json', mode: 0o400, uid: 1000, gid: 2000 },
        { file: 'db.json', mode: 0o440, uid: 1000, gid: 2000 },
        { file: 'db-user', mode: 0o440, uid: 1000, gid: 3000 },
        { file: 'both.conf', mode: 0o440, uid: 0, gid: 2000 },
      ]);
    });

    it('leaves uid and gid out when neither the file nor output sets them', () => {
      const [file] = filesOf([kv()]);
      assert.deepEqual(file, { file: 'app.json', secrets: ['app'], render: { format: 'json' }, mode: 0o400, onChange: [], key: 'secrets[0]' });
      assert.ok(!('uid' in file!) && !('gid' in file!));
    });

    it('turns read tracking off with track_reads: false on a file, a template, or a secret for all its files', () => {
      const tracked = (files: FileConfig[]) => Object.fromEntries(files.map((file) => [file.file, file.trackReads !== false]));
      assert.deepEqual(tracked(filesOf([pki({ track_reads: false })])), { 'tls.crt': false, 'tls.key': false, 'tls-ca.crt': false });
      assert.deepEqual(
        tracked(filesOf([
          pki({
            files: [
              { file: 'tls.crt', format: 'pem', fields: ['certificate'] },
              { file: 'tls-ca.crt', format: 'pem', fields: ['issuing_ca'], track_reads: false },
            ],
          }),
          kv(),
        ], { templates: [{ file: 'app.conf', secrets: ['app'], template: 'x', track_reads: false }] })),
        { 'tls.crt': true, 'tls-ca.crt': false, 'app.json': true, 'app.conf': false },
      );
      assert.deepEqual(build([pki({ track_reads: false, files: [{ file: 'tls.crt', format: 'pem', field: 'certificate' }] })]).issues, [
        'secrets[0].track_reads: not allowed together with files (put it in each files entry)',
      ]);
    });

    it('resolves on_change actions with their defaults', () => {
      const [file] = filesOf([
        kv({
          on_change: [
            { signal: 'SIGUSR1', process: 'app', timeout: '5s' },
            { http: 'http://127.0.0.1:8080/-/reload' },
            { http: 'http://localhost:9/r', method: 'PUT', headers: { 'X-A': 'b' } },
            { command: ['/bin/reload', '--now'] },
          ],
        }),
      ]);
      assert.deepEqual(file!.onChange, [
        { kind: 'signal', process: 'app', signal: 'SIGUSR1', timeoutMs: 5_000 },
        { kind: 'http', url: 'http://127.0.0.1:8080/-/reload', method: 'POST', timeoutMs: 30_000 },
        { kind: 'http', url: 'http://localhost:9/r', method: 'PUT', headers: { 'X-A': 'b' }, timeoutMs: 30_000 },
        { kind: 'command', argv: ['/bin/reload', '--now'], timeoutMs: 30_000 },
      ]);
    });

    it('makes several files from one secret and one file from several secrets', () => {
      const files = filesOf(
        [
          kv({ files: [{ file: 'app.env', format: 'env' }, { file: 'app-token', format: 'raw', field: 'token' }] }),
          { name: 'db', kind: 'leased', path: 'database/creds/app' },
        ],
        { templates: [{ file: 'dsn', secrets: ['db', 'app'], template_file: '/etc/t/dsn.hbs' }] },
      );
      assert.deepEqual(files.map((f) => [f.file, f.secrets, f.key]), [
        ['app.env', ['app'], 'secrets[0].files[0]'],
        ['app-token', ['app'], 'secrets[0].files[1]'],
        ['db.json', ['db'], 'secrets[1]'],
        ['dsn', ['db', 'app'], 'templates[0]'],
      ]);
      assert.deepEqual(files[3]!.render, { format: 'template', template: { name: '/etc/t/dsn.hbs', file: '/etc/t/dsn.hbs' } });
    });
  });

  describe('rules across keys', () => {
    const rows: Array<{ name: string; secrets: Entry[]; extra?: Entry; issues: string[] }> = [
      {
        name: 'single-file keys next to files',
        secrets: [kv({ file: 'x', format: 'env', mode: '0440', on_change: [{ command: ['true'] }], files: [{ file: 'a.json' }] })],
        issues: [
          'secrets[0].file: not allowed together with files (put it in each files entry)',
          'secrets[0].format: not allowed together with files (put it in each files entry)',
          'secrets[0].mode: not allowed together with files (put it in each files entry)',
          'secrets[0].on_change: not allowed together with files (put it in each files entry)',
        ],
      },
      {
        name: 'a template with another format',
        secrets: [kv({ format: 'json', template: 'x' })],
        issues: ['secrets[0].format: must be template (or left out) when template or template_file is set'],
      },
      {
        name: 'template and template_file together',
        secrets: [kv({ template: 'x', template_file: '/t.hbs' })],
        issues: ['secrets[0].template_file: not allowed together with template'],
      },
      {
        name: 'format template without a template',
        secrets: [kv({ format: 'template' })],
        issues: ['secrets[0].template: required when format is template (or set template_file)'],
      },
      { name: 'field with json', secrets: [kv({ field: 'a' })], issues: ['secrets[0].field: only allowed when format is raw or pem'] },
      {
        name: 'fields with raw',
        secrets: [kv({ format: 'raw', field: 'a', fields: ['b'] })],
        issues: ['secrets[0].fields: only allowed when format is pem'],
      },
      { name: 'env_prefix with yaml', secrets: [kv({ format: 'yaml', env_prefix: 'A_' })], issues: ['secrets[0].env_prefix: only allowed when format is env'] },
      { name: 'raw without field', secrets: [kv({ format: 'raw' })], issues: ['secrets[0].field: required when format is raw'] },
      { name: 'pem without fields', secrets: [kv({ format: 'pem' })], issues: ['secrets[0].fields: required when format is pem'] },
      {
        name: 'pem with field and fields',
        secrets: [kv({ format: 'pem', field: 'a', fields: ['b'] })],
        issues: ['secrets[0].field: not allowed together with fields'],
      },
      {
        name: 'a problem inside a files entry names the entry',
        secrets: [kv({ files: [{ file: 'a.json' }, { file: 'b', format: 'raw' }] })],
        issues: ['secrets[0].files[1].field: required when format is raw'],
      },
      {
        name: 'a template naming an unknown secret',
        secrets: [kv()],
        extra: { templates: [{ file: 't', secrets: ['app', 'nope'], template: 'x' }] },
        issues: ['templates[0].secrets[1]: no secret named "nope"'],
      },
      {
        name: 'a templates entry without a template',
        secrets: [kv()],
        extra: { templates: [{ file: 't', secrets: ['app'] }] },
        issues: ['templates[0].template: required when format is template (or set template_file)'],
      },
      {
        name: 'a templates entry with template and template_file',
        secrets: [kv()],
        extra: { templates: [{ file: 't', secrets: ['app'], template: 'x', template_file: '/t.hbs' }] },
        issues: ['templates[0].template_file: not allowed together with template'],
      },
    ];
    for (const row of rows) {
      it(`refuses ${row.name}`, () => {
        assert.deepEqual(build(row.secrets, row.extra).issues, row.issues);
      });
    }
  });

  describe('duplicate files', () => {
    const rows: Array<{ name: string; secrets: Entry[]; extra?: Entry; issues: string[] }> = [
      {
        name: 'two secrets, one by its default name',
        secrets: [kv(), { name: 'db', kind: 'leased', path: 'database/creds/app', file: 'app.json' }],
        issues: ['secrets[1]: file "app.json" is also written by secrets[0]'],
      },
      {
        name: 'two files entries of one secret',
        secrets: [kv({ files: [{ file: 'a' , format: 'raw', field: 'x' }, { file: 'a', format: 'raw', field: 'y' }] })],
        issues: ['secrets[0].files[1]: file "a" is also written by secrets[0].files[0]'],
      },
      {
        name: 'a template and a files entry',
        secrets: [kv({ files: [{ file: 'a.json' }, { file: 'app.conf', template: 'x' }] })],
        extra: { templates: [{ file: 'app.conf', secrets: ['app'], template: 'y' }] },
        issues: ['templates[0]: file "app.conf" is also written by secrets[0].files[1]'],
      },
      {
        name: 'a certificate layout and another secret',
        secrets: [pki({ bundle: true }), kv({ file: 'tls.key' }), kv({ name: 'b', file: 'tls-bundle.pem' })],
        issues: ['secrets[1]: file "tls.key" is also written by secrets[0]', 'secrets[2]: file "tls-bundle.pem" is also written by secrets[0].bundle'],
      },
    ];
    for (const row of rows) {
      it(`refuses ${row.name}`, () => {
        assert.deepEqual(build(row.secrets, row.extra).issues, row.issues);
      });
    }
  });

  it('reaches the user through parseConfig as one ConfigError listing every problem', () => {
    const yaml = `
auth: { method: kubernetes, role: app }
output: { directory: /vault/secrets }
secrets:
  - { name: app, kind: kv2, path: app/config, format: raw }
  - { name: db, kind: leased, path: database/creds/app, file: app }
templates:
  - { file: t, secrets: [ghost], template: "{{data.x}}" }
`;
    assert.throws(
      () => parseConfig(yaml, 'vaultlet.yaml', {}),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.deepEqual(error.issues, [
          'secrets[0].field: required when format is raw',
          'secrets[1]: file "app" is also written by secrets[0]',
          'templates[0].secrets[0]: no secret named "ghost"',
        ]);
        assert.match(error.message, /^vaultlet\.yaml: invalid configuration \(3 problems\)/);
        return true;
      },
    );
  });
});
