import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { configJsonSchema } from '../../src/config/index.js';
import { FULL_YAML, MINIMAL_YAML } from './fixtures.js';

type Schema = Record<string, any>;

/** Errors of `value` against the JSON Schema keywords our schema uses; a small stand-in for a validator. */
function validate(schema: Schema, value: unknown, at = '$'): string[] {
  const errors: string[] = [];
  const types: string[] | undefined = schema.type === undefined ? undefined : [schema.type].flat();
  if (types && !types.some((type) => hasType(value, type))) return [`${at}: not ${types.join('|')}`];
  if ('const' in schema && value !== schema.const) errors.push(`${at}: not ${schema.const}`);
  if (schema.enum && !schema.enum.includes(value)) errors.push(`${at}: not in enum`);
  if (typeof value === 'string' && schema.pattern && !new RegExp(schema.pattern).test(value)) errors.push(`${at}: pattern`);
  if (typeof value === 'string' && value.length < (schema.minLength ?? 0)) errors.push(`${at}: too short`);
  if (typeof value === 'number' && value < (schema.minimum ?? -Infinity)) errors.push(`${at}: below minimum`);
  if (typeof value === 'number' && value > (schema.maximum ?? Infinity)) errors.push(`${at}: above maximum`);
  for (const key of ['oneOf', 'anyOf'] as const) {
    if (!schema[key]) continue;
    const passing = schema[key].filter((option: Schema) => validate(option, value, at).length === 0).length;
    if (key === 'oneOf' ? passing !== 1 : passing === 0) errors.push(`${at}: ${passing} ${key} options match`);
  }
  if (Array.isArray(value)) {
    if (value.length < (schema.minItems ?? 0)) errors.push(`${at}: too few items`);
    value.forEach((item, index) => errors.push(...(schema.items ? validate(schema.items, item, `${at}[${index}]`) : [])));
  } else if (typeof value === 'object' && value !== null) {
    for (const key of schema.required ?? []) if (!(key in value)) errors.push(`${at}.${key}: required`);
    for (const [key, item] of Object.entries(value)) {
      const property = schema.properties?.[key] ?? schema.additionalProperties;
      if (property === false) errors.push(`${at}.${key}: additional property`);
      else if (property) errors.push(...validate(property, item, `${at}.${key}`));
    }
  }
  return errors;
}

function hasType(value: unknown, type: string): boolean {
  if (type === 'integer') return Number.isInteger(value);
  if (type === 'array') return Array.isArray(value);
  if (type === 'object') return typeof value === 'object' && value !== null && !Array.isArray(value);
  if (type === 'null') return value === null;
  return typeof value === type;
}

describe('configJsonSchema', () => {
  const schema = configJsonSchema() as Schema;

  it('is a draft 2020-12 object schema that forbids unknown top-level keys', () => {
    assert.equal(schema.$schema, 'https://json-schema.org/draft/2020-12/schema');
    assert.equal(schema.type, 'object');
    assert.equal(schema.additionalProperties, false);
    assert.deepEqual(Object.keys(schema.properties), ['vault', 'auth', 'output', 'secrets', 'templates', 'actions', 'read_endpoint', 'listen', 'state', 'shutdown', 'log']);
    assert.deepEqual(schema.required, ['auth', 'output', 'secrets']);
    assert.doesNotThrow(() => JSON.parse(JSON.stringify(schema)));
  });

  it('describes the file as written: snake_case keys and defaults in their written form', () => {
    assert.ok(schema.properties.vault.properties.tls_skip_verify);
    assert.equal(schema.properties.output.properties.mode.default, '0400');
    assert.equal(schema.properties.shutdown.properties.grace_period.default, '5s');
  });

  it('accepts the full and minimal samples', () => {
    assert.deepEqual(validate(schema, parse(FULL_YAML)), []);
    assert.deepEqual(validate(schema, parse(MINIMAL_YAML)), []);
  });

  const rejected: Array<[string, (doc: Record<string, any>) => void]> = [
    ['an unknown top-level key', (d) => { d.colour = 'red'; }],
    ['an unknown key in a secret', (d) => { d.secrets[0].colour = 'red'; }],
    ['a kubernetes auth without role', (d) => { delete d.auth.role; }],
    ['a bad format', (d) => { d.secrets[0].format = 'xml'; }],
  ];
  for (const [title, change] of rejected) {
    it(`rejects ${title}`, () => {
      const document = parse(FULL_YAML);
      change(document);
      assert.notDeepEqual(validate(schema, document), []);
    });
  }
});
