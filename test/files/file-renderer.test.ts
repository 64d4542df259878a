import assert from 'node:assert/strict';
import type { FileConfig, FileRender } from '../../src/config/index.js';
import { RenderError } from '../../src/errors.js';
import { fileRenderer, type FileInputs } from '../../src/files/file-renderer.js';
import type { Lease } from '../../src/lease/lease.js';
import { compileTemplate, type CompiledTemplate, type TemplateContext } from '../../src/render/template.js';

const T0 = Date.parse('2030-01-02T03:04:05.000Z');

function fileConfig(secrets: string[], render: FileRender, file = 'out'): FileConfig {
  return { file, secrets, render, mode: 0o400, onChange: [], key: 'secrets[0]' };
}

const inline = (file = 'out'): FileRender => ({ format: 'template', template: { name: file, inline: '' } });

const lease = (data: Record<string, unknown>, more: Partial<Lease> = {}): Lease => ({
  id: '', ttlMs: 0, renewable: false, obtainedAt: T0, data, ...more,
});

/** Renders through a template that only records the context it was given. */
function contextFor(secrets: string[], inputs: FileInputs): TemplateContext {
  let seen: TemplateContext | undefined;
  const capture: CompiledTemplate = (context) => {
    seen = context;
    return Buffer.alloc(0);
  };
  fileRenderer(fileConfig(secrets, inline()), capture)(inputs);
  assert.ok(seen, 'the template was not called');
  return seen;
}

describe('files/fileRenderer', () => {
  describe('template context', () => {
    it('gives data and lease of the first secret, and every secret by name', () => {
      const db = lease({ username: 'u', password: 'p' }, { id: 'database/creds/app/abc', ttlMs: 3_600_000, renewable: true });
      const app = lease({ url: 'https://x' }, { version: 7 });
      const context = contextFor(['db', 'app'], new Map([['app', app], ['db', db]]));
      assert.deepEqual(context.data, { username: 'u', password: 'p' });
      assert.deepEqual(context.lease, {
        id: 'database/creds/app/abc', ttl_seconds: 3600, renewable: true, expires_at: '2030-01-02T04:04:05.000Z',
      });
      assert.deepEqual(Object.keys(context.secrets).sort(), ['app', 'db']);
      assert.deepEqual(context.secrets['db'], { data: db.data, lease: context.lease });
      assert.deepEqual(context.secrets['app'], { data: { url: 'https://x' }, lease: { id: '', ttl_seconds: 0, renewable: false, version: 7 } });
    });

    it('leaves expires_at out for data that never expires (KV)', () => {
      const { lease: kv } = contextFor(['kv'], new Map([['kv', lease({ a: 1 }, { version: 3 })]]));
      assert.deepEqual(kv, { id: '', ttl_seconds: 0, renewable: false, version: 3 });
      assert.ok(!('expires_at' in kv));
    });

    it('rounds ttl_seconds', () => {
      const context = contextFor(['db'], new Map([['db', lease({}, { id: 'l', ttlMs: 1_500 })]]));
      assert.equal(context.lease.ttl_seconds, 2);
    });

    it('gives a certificate NotAfter as expires_at and the time left as ttl_seconds', () => {
      const until = T0 + 7_200_000;
      const cert = lease({ certificate: 'c' }, { ttlMs: until - T0, validity: { from: T0 - 30_000, until, rotate: 'before' } });
      const context = contextFor(['tls'], new Map([['tls', cert]]));
      assert.deepEqual(context.lease, { id: '', ttl_seconds: 7200, renewable: false, expires_at: '2030-01-02T05:04:05.000Z' });
    });

    it("gives a static role's next rotation as expires_at and the time to it as ttl_seconds", () => {
      const creds = lease({ username: 'u' }, { validity: { from: T0, until: T0 + 600_000, rotate: 'after' } });
      const context = contextFor(['db'], new Map([['db', creds]]));
      assert.deepEqual(context.lease, { id: '', ttl_seconds: 600, renewable: false, expires_at: '2030-01-02T03:14:05.000Z' });
    });

    it('renders a real template over two secrets', () => {
      const template = compileTemplate('dsn', 'postgres://{{data.username}}:{{secrets.db.data.password}}@{{secrets.[app-config].data.host}}/{{lease.ttl_seconds}}');
      const render = fileRenderer(fileConfig(['db', 'app-config'], inline('dsn'), 'dsn'), template);
      const bytes = render(new Map([['db', lease({ username: 'u', password: 'p&<' }, { id: 'l', ttlMs: 60_000 })], ['app-config', lease({ host: 'h' })]]));
      assert.equal(bytes.toString(), 'postgres://u:p&<@h/60');
    });

    it('refuses a template file whose template was not compiled', () => {
      assert.throws(() => fileRenderer(fileConfig(['db'], inline('x.conf'), 'x.conf'), undefined), (error: unknown) => {
        assert.ok(error instanceof RenderError);
        assert.equal(error.message, 'file "x.conf": template "x.conf" was not compiled');
        return true;
      });
    });
  });

  describe('plain formats', () => {
    const data = { username: 'app', password: 's3cr3t' };
    const inputs: FileInputs = new Map([['db', lease(data)], ['other', lease({ password: 'wrong' })]]);
    const render = (format: FileRender) => fileRenderer(fileConfig(['db'], format), undefined)(inputs).toString();

    it('renders json, env, yaml and properties from the secret data', () => {
      assert.deepEqual(JSON.parse(render({ format: 'json' })), data);
      assert.equal(render({ format: 'env', envPrefix: 'DB_' }), 'DB_USERNAME=app\nDB_PASSWORD=s3cr3t\n');
      assert.equal(render({ format: 'yaml' }), 'username: app\npassword: s3cr3t\n');
      assert.equal(render({ format: 'properties' }), 'username=app\npassword=s3cr3t\n');
    });

    it('writes the raw field and the pem fields asked for', () => {
      assert.equal(render({ format: 'raw', field: 'password' }), 's3cr3t');
      const cert = '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n';
      const key = '-----BEGIN PRIVATE KEY-----\nBBBB\n-----END PRIVATE KEY-----\n';
      const pem = fileRenderer(fileConfig(['tls'], { format: 'pem', fields: ['private_key', 'certificate'] }), undefined);
      assert.equal(pem(new Map([['tls', lease({ certificate: cert, private_key: key })]])).toString(), key + cert);
    });

    it('names the secret when a field is missing, without its values', () => {
      assert.throws(() => render({ format: 'raw', field: 'token' }), (error: unknown) => {
        assert.ok(error instanceof RenderError);
        assert.match(error.message, /secret "db": field "token" is not in the data/);
        assert.doesNotMatch(error.message, /s3cr3t/);
        return true;
      });
    });
  });
});
