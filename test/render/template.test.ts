import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { before, describe, it } from 'mocha';
import { TemplateError } from '../../src/errors.js';
import { compileTemplate, compileTemplateFile, type TemplateContext } from '../../src/render/template.js';
import { rejectedBy, thrownBy } from './helpers.js';

const SENTINEL = 'sentinel-91c4';
const lease = { id: 'database/creds/app/abc123', ttl_seconds: 3600, renewable: true, expires_at: '2030-01-02T03:04:05.000Z' };
const context: TemplateContext = {
  data: { username: 'v-app-x1', password: `p@ss'w"rd$\`<&>${SENTINEL}`, port: 5432, hosts: ['db-1', 'db-2'], empty: '', none: null },
  lease,
  secrets: {
    db: { data: { username: 'v-app-x1' }, lease },
    'api-keys': { data: { token: 'tok-123', blob: Buffer.from('Zoë 🚀\n').toString('base64') }, lease: { id: '', ttl_seconds: 0, renewable: false, version: 7 } },
  },
};
const render = (source: string, ctx: TemplateContext = context) => compileTemplate('app.tmpl', source)(ctx).toString('utf8');

/** The TemplateError a template raises, compiling or rendering; the sentinel must never appear in it. */
function failure(source: string, ctx: TemplateContext = context): TemplateError {
  const error = thrownBy(TemplateError, () => render(source, ctx));
  assert.ok(!error.message.includes(SENTINEL), `value leaked into: ${error.message}`);
  assert.ok(!String(error.stack).includes(SENTINEL));
  return error;
}

describe('templates', () => {
  it('renders data, lease metadata and every secret the file draws on', () => {
    const source =
      'user={{data.username}}\nport={{data.port}}\nlease={{lease.id}} ttl={{lease.ttl_seconds}} renewable={{lease.renewable}}\n' +
      'expires={{lease.expires_at}}\ntoken={{secrets.[api-keys].data.token}} v{{secrets.[api-keys].lease.version}}\n' +
      '{{#each data.hosts}}host.{{@index}}={{this}}\n{{/each}}{{#each secrets}}{{@key}} {{/each}}\n';
    assert.equal(
      render(source),
      'user=v-app-x1\nport=5432\nlease=database/creds/app/abc123 ttl=3600 renewable=true\n' +
        'expires=2030-01-02T03:04:05.000Z\ntoken=tok-123 v7\nhost.0=db-1\nhost.1=db-2\ndb api-keys \n',
    );
  });

  it('writes <&"\'> and backticks as they are (no HTML escaping)', () => {
    assert.equal(render('{{data.password}}|{{{data.password}}}'), `${context.data.password}|${context.data.password}`);
  });

  describe('helpers', () => {
    const cases: Array<[string, string, string]> = [
      ['base64', '{{base64 data.username}}', Buffer.from('v-app-x1').toString('base64')],
      ['base64 of unicode', '{{base64 "Zoë"}}', 'Wm/Dqw=='],
      ['base64decode', '{{base64decode secrets.[api-keys].data.blob}}', 'Zoë 🚀\n'],
      ['base64decode URL-safe, unpadded, wrapped', '{{base64decode "Wm_Dqw\n"}}', 'Zoë'],
      ['json of a string', '{{json data.password}}', JSON.stringify(context.data.password)],
      ['json of a list', '{{json data.hosts}}', '["db-1","db-2"]'],
      ['json_pretty', '{{json_pretty secrets.db.data}}', '{\n  "username": "v-app-x1"\n}'],
      ['quote', '{{quote "it\'s $HOME"}}', `'it'\\''s $HOME'`],
      ['quote of a number', '{{quote data.port}}', `'5432'`],
      ['default keeps a value', '{{default data.port 1}}', '5432'],
      ['default replaces ""', '{{default data.empty "fallback"}}', 'fallback'],
      ['default replaces null', '{{default data.none "fallback"}}', 'fallback'],
      ['default of an optional key via lookup', '{{default (lookup data "absent") "fallback"}}', 'fallback'],
      ['join', '{{join data.hosts ","}}', 'db-1,db-2'],
      ['join with the default separator', '{{join data.hosts}}', 'db-1,db-2'],
      ['indent', '{{indent 2 "a\n\nb\n"}}', '  a\n\n  b\n'],
      ['trim', '{{trim "  x\n"}}', 'x'],
      ['nested helpers', '{{quote (base64decode (base64 data.password))}}', `'${String(context.data.password).replaceAll("'", "'\\''")}'`],
    ];
    for (const [title, source, expected] of cases) {
      it(title, () => assert.equal(render(source), expected));
    }

    it('quote output is read back exactly by sh', () => {
      const out = execFileSync('/bin/sh', ['-c', `v=${render('{{quote data.password}}')}; printf %s "$v"`], { encoding: 'utf8' });
      assert.equal(out, context.data.password);
    });

    const refusals: Array<[string, string, RegExp]> = [
      ['base64decode of text that is not base64', `line 1\n{{base64decode data.password}}`, /line 2: helper "base64decode": the value is not valid base64/],
      ['base64decode of bytes that are not UTF-8', `{{base64decode "/w=="}}`, /not UTF-8/],
      ['quote of a NUL byte', `\n\n{{quote data.nul}}`, /line 3: helper "quote": .*NUL/],
      ['join of a string', `{{join data.password}}`, /helper "join": expects a list, got string/],
      ['indent with a bad count', `{{indent data.password data.password}}`, /helper "indent": the first argument/],
      ['json of a BigInt', `{{json data.big}}`, /helper "json": the bigint cannot be written as JSON/],
      ['a wrong number of arguments', `{{base64 data.password data.password}}`, /helper "base64": takes 1 argument\(s\), got 2/],
    ];
    for (const [title, source, expected] of refusals) {
      it(`refuses ${title} without echoing the value`, () => {
        const ctx = { ...context, data: { ...context.data, nul: `a\0${SENTINEL}`, big: 10n } };
        assert.match(failure(source, ctx).message, expected);
      });
    }
  });

  describe('errors', () => {
    it('reports a syntax error with the line, when compiling', () => {
      const error = thrownBy(TemplateError, () => compileTemplate('app.tmpl', 'a\nb\n{{data.username'));
      assert.equal(error.line, 3);
      assert.match(error.message, /^template "app.tmpl" line 3: syntax error/);
    });

    it('reports a mismatched block with the line, when compiling', () => {
      assert.equal(thrownBy(TemplateError, () => compileTemplate('t', 'x\n{{#if data}}\n{{/each}}')).line, 2);
    });

    it('reports an unknown helper (and the secret-printing log helper) when compiling', () => {
      const error = thrownBy(TemplateError, () => compileTemplate('t', '\n{{base46 data.password}}'));
      assert.equal(error.line, 2);
      assert.match(error.message, /unknown helper "base46" \(available: base64,/);
      assert.match(thrownBy(TemplateError, () => compileTemplate('t', '{{log data.password}}')).message, /unknown helper "log"/);
    });

    it('refuses partials and decorators when compiling', () => {
      assert.equal(thrownBy(TemplateError, () => compileTemplate('t', 'a\n{{> header}}')).line, 2);
      assert.match(thrownBy(TemplateError, () => compileTemplate('t', '{{#> layout}}x{{/layout}}')).message, /partials/);
    });

    it('fails on a misspelt key with its path and line instead of writing an empty value', () => {
      const error = failure('user={{data.username}}\npass={{data.pasword}}\n');
      assert.equal(error.line, 2);
      assert.equal(error.message, 'template "app.tmpl" line 2: "data.pasword" is not defined (strict mode; use lookup and default for optional keys)');
    });

    it('fails on a missing key inside a block with its line', () => {
      const error = failure('{{#each secrets}}\n\n{{this.data.username}}{{/each}}');
      assert.equal(error.line, 3);
      assert.match(error.message, /"this\.data\.username" is not defined/);
    });

    it('fails on a path below a string value without quoting the string', () => {
      const error = failure('a\n{{data.password.length.x}}');
      assert.equal(error.line, 2);
      assert.match(error.message, /"data\.password\.length\.x" looks inside a value that is not a map/);
    });

    it('names the file and reads it when compiling from a file; an unreadable file is a TemplateError', async () => {
      const dir = await mkdtemp(path.join(tmpdir(), 'vaultlet-template-'));
      try {
        const file = path.join(dir, 'db.conf.hbs');
        await writeFile(file, '\ufeffuser={{data.username}}\n{{data.nope}}');
        const template = await compileTemplateFile(file);
        const error = thrownBy(TemplateError, () => template(context));
        assert.equal(error.template, file);
        assert.equal(error.line, 2);
        await writeFile(file, 'user={{data.username}}\n');
        assert.equal((await compileTemplateFile(file))(context).toString('utf8'), 'user=v-app-x1\n');
        const missing = await rejectedBy(TemplateError, compileTemplateFile(path.join(dir, 'absent.hbs')));
        assert.match(missing.message, /absent\.hbs.*cannot read the template file \(ENOENT\)/);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  });

  describe('isolation', () => {
    let first: ReturnType<typeof compileTemplate>;
    before(() => {
      first = compileTemplate('a', '{{base64 data.username}}');
    });

    it('keeps each template independent of the others and of the global Handlebars', async () => {
      const { default: Handlebars } = await import('handlebars');
      assert.equal(Handlebars.helpers['base64'], undefined, 'nothing registered globally');
      compileTemplate('b', '{{quote data.username}}');
      assert.equal(first(context).toString('utf8'), Buffer.from('v-app-x1').toString('base64'));
    });
  });
});
