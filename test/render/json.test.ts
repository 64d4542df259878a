import assert from 'node:assert/strict';
import { describe, it } from 'mocha';
import { RenderError } from '../../src/errors.js';
import { renderSecret } from '../../src/render/format.js';
import { thrownBy } from './helpers.js';

const json = (data: Record<string, unknown>) => renderSecret({ secret: 'db', format: 'json', data }).toString('utf8');

describe('render json', () => {
  const cases: Array<[string, Record<string, unknown>]> = [
    ['flat strings', { username: 'app', password: 's3cr3t' }],
    ['mixed types', { port: 5432, tls: true, note: null, tags: ['a', 'b'], nested: { k: 'v' } }],
    ['unicode and control chars', { name: 'Zoë 🚀', multi: 'line1\nline2\t"quoted"' }],
    ['empty object', {}],
  ];
  for (const [title, data] of cases) {
    it(`round-trips ${title} through JSON.parse`, () => {
      assert.deepEqual(JSON.parse(json(data)), data);
    });
  }

  it('is indented by two spaces, ends with one newline and keeps the key order', () => {
    assert.equal(json({ b: '1', a: { c: 2 } }), '{\n  "b": "1",\n  "a": {\n    "c": 2\n  }\n}\n');
  });

  it('refuses data JSON cannot hold, without quoting it', () => {
    const error = thrownBy(RenderError, () =>
      renderSecret({ secret: 'db', format: 'json', data: { big: 98765432123456789n } }),
    );
    assert.match(error.message, /secret "db"/);
    assert.doesNotMatch(error.message, /98765432123456789/);
  });
});
