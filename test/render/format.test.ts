import assert from 'node:assert/strict';
import { describe, it } from 'mocha';
import { RenderError } from '../../src/errors.js';
import { renderSecret, type OutputFormat } from '../../src/render/index.js';
import { thrownBy } from './helpers.js';

describe('renderSecret', () => {
  const data = { user: 'app', password: 'p@ss word' };

  it('picks the renderer by format', () => {
    assert.deepEqual(JSON.parse(renderSecret({ secret: 's', format: 'json', data }).toString()), data);
    assert.equal(renderSecret({ secret: 's', format: 'env', data }).toString(), "USER=app\nPASSWORD='p@ss word'\n");
    assert.equal(renderSecret({ secret: 's', format: 'raw', data, field: 'user' }).toString(), 'app');
    assert.equal(renderSecret({ secret: 's', format: 'yaml', data }).toString(), 'user: app\npassword: "p@ss word"\n');
    assert.equal(renderSecret({ secret: 's', format: 'properties', data }).toString(), 'user=app\npassword=p@ss word\n');
  });

  it('returns a Buffer', () => {
    assert.ok(Buffer.isBuffer(renderSecret({ secret: 's', format: 'json', data })));
  });

  it('rejects an unknown format, naming it', () => {
    const error = thrownBy(RenderError, () =>
      renderSecret({ secret: 's', format: 'xml' as OutputFormat, data }),
    );
    assert.match(error.message, /unknown output format "xml"/);
    assert.ok(!error.message.includes('p@ss word'));
  });

  it('rejects data that is not a key/value object', () => {
    for (const bad of [null, ['a'], 'text']) {
      thrownBy(RenderError, () =>
        renderSecret({ secret: 's', format: 'json', data: bad as unknown as Record<string, unknown> }),
      );
    }
  });
});
