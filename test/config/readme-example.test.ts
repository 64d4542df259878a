import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseConfig } from '../../src/config/index.js';
import { compileTemplates } from '../../src/files/compile-templates.js';
import { repoRoot } from '../support/repo-root.js';

describe('the README configuration example', () => {
  it('is a valid config whose templates compile, with the files it promises', async () => {
    const readme = await readFile(join(repoRoot(), 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('### Configuration'));
    const yaml = /```yaml\n([\s\S]*?)```/.exec(section)?.[1];
    assert.ok(yaml, 'the Configuration section has a yaml block');
    const config = parseConfig(yaml, 'README.md', {});
    const templates = await compileTemplates(config.files, 'README.md');
    assert.equal(templates.size, 1);
    assert.deepEqual(config.files.map((file) => file.file).sort(), ['app.conf', 'app.env', 'app.yaml', 'db.json', 'tls-ca.crt', 'tls.crt', 'tls.key']);
  });
});
