import assert from 'node:assert/strict';
import { describe, it } from 'mocha';
import { RenderError } from '../../src/errors.js';
import { renderSecret } from '../../src/render/format.js';
import { thrownBy } from './helpers.js';

const data = {
  cert: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n',
  password: 'hunter2-no-newline',
  unicode: 'Zoë 🚀\r\n',
  port: 5432,
  enabled: false,
  nothing: null,
  list: ['a', 1],
  nested: { user: 'app' },
};
const raw = (field: string) => renderSecret({ secret: 'db', format: 'raw', data, field });

describe('render raw', () => {
  it('writes string fields byte for byte, adding no newline', () => {
    for (const field of ['cert', 'password', 'unicode'] as const) {
      assert.deepEqual(raw(field), Buffer.from(data[field], 'utf8'), field);
    }
  });

  const asJson: Array<[keyof typeof data, string]> = [
    ['port', '5432'],
    ['enabled', 'false'],
    ['nothing', 'null'],
    ['list', '["a",1]'],
    ['nested', '{"user":"app"}'],
  ];
  for (const [field, expected] of asJson) {
    it(`writes the ${typeof data[field]} field "${field}" as JSON`, () => {
      assert.equal(raw(field).toString('utf8'), expected);
      assert.deepEqual(JSON.parse(raw(field).toString('utf8')), data[field]);
    });
  }

  it('names the missing field and the available field names, never their values', () => {
    const error = thrownBy(RenderError, () => raw('pasword'));
    assert.equal(
      error.message,
      'secret "db": field "pasword" is not in the data ' +
        '(available fields: cert, password, unicode, port, enabled, nothing, list, nested)',
    );
    assert.ok(!error.message.includes('hunter2'));
    assert.ok(!error.message.includes('BEGIN CERTIFICATE'));
  });

  it('does not treat inherited properties as fields', () => {
    thrownBy(RenderError, () => raw('toString'));
  });

  it('says "none" when the secret has no fields', () => {
    const error = thrownBy(RenderError, () =>
      renderSecret({ secret: 'empty', format: 'raw', data: {}, field: 'x' }),
    );
    assert.match(error.message, /available fields: none/);
  });

  it('requires the field option', () => {
    const error = thrownBy(RenderError, () => renderSecret({ secret: 'db', format: 'raw', data }));
    assert.match(error.message, /secret "db".*field/);
  });
});
