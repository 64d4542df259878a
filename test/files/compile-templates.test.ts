import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FileConfig, FileRender } from '../../src/config/index.js';
import { ConfigError } from '../../src/errors.js';
import { compileTemplates } from '../../src/files/compile-templates.js';
import type { TemplateContext } from '../../src/render/template.js';

const context: TemplateContext = { data: { user: 'u' }, lease: { id: '', ttl_seconds: 0, renewable: false }, secrets: {} };

function file(name: string, key: string, render: FileRender): FileConfig {
  return { file: name, secrets: ['app'], render, mode: 0o400, onChange: [], key };
}
const inline = (name: string, key: string, text: string) => file(name, key, { format: 'template', template: { name, inline: text } });
const fromFile = (name: string, key: string, path: string) => file(name, key, { format: 'template', template: { name: path, file: path } });

async function configError(promise: Promise<unknown>): Promise<ConfigError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    return error;
  }
  assert.fail('compileTemplates accepted a broken template');
}

describe('files/compileTemplates', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vaultlet-templates-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('compiles inline templates and reads template files, by file name; other formats are skipped', async () => {
    const path = join(dir, 'conf.hbs');
    await writeFile(path, '\uFEFFuser={{data.user}}\n');
    const compiled = await compileTemplates(
      [inline('a.conf', 'secrets[0]', 'A {{data.user}}'), file('b.json', 'secrets[1]', { format: 'json' }), fromFile('c.conf', 'templates[0]', path)],
      'vaultlet.yaml',
    );
    assert.deepEqual([...compiled.keys()].sort(), ['a.conf', 'c.conf']);
    assert.equal(compiled.get('a.conf')!(context).toString(), 'A u');
    assert.equal(compiled.get('c.conf')!(context).toString(), 'user=u\n');
  });

  it('reports every broken template in one error, with its key, template name and line', async () => {
    const error = await configError(
      compileTemplates(
        [
          inline('ok.conf', 'secrets[0]', '{{data.user}}'),
          inline('syntax.conf', 'secrets[1].files[2]', 'line one\n{{#if data.x}}\nunclosed\n'),
          inline('helper.conf', 'templates[0]', 'a\nb\n{{nosuch data.user}}'),
          fromFile('missing.conf', 'templates[1]', join(dir, 'missing.hbs')),
        ],
        'vaultlet.yaml',
      ),
    );
    assert.match(error.message, /^vaultlet\.yaml: invalid templates\n/);
    assert.equal(error.issues.length, 3);
    const [syntax, helper, missing] = error.issues;
    assert.match(syntax!, /^secrets\[1\]\.files\[2\]\.template: template "syntax\.conf" line \d+: syntax error/);
    assert.match(helper!, /^templates\[0\]\.template: template "helper\.conf" line 3: unknown helper "nosuch"/);
    assert.equal(missing, `templates[1].template_file: template "${join(dir, 'missing.hbs')}": cannot read the template file (ENOENT)`);
  });

  it('says "invalid template" for a single problem', async () => {
    const error = await configError(compileTemplates([inline('p.conf', 'secrets[0]', '{{> partial}}')], '$VAULTLET_CONFIG'));
    assert.equal(error.message, '$VAULTLET_CONFIG: invalid template\n  - secrets[0].template: template "p.conf" line 1: partials ({{> name}}) are not supported');
  });
});
