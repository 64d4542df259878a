import assert from 'node:assert/strict';
import { parseRetryAfter } from '../../src/vault/transport.js';

const NOW = Date.parse('2024-05-01T12:00:00Z');

describe('parseRetryAfter', () => {
  const rows: Array<[string, unknown, number | undefined]> = [
    ['whole seconds', '1', 1_000],
    ['zero seconds', '0', 0],
    ['a large number of seconds', '120', 120_000],
    ['seconds with surrounding spaces', ' 5 ', 5_000],
    ['an HTTP date 30 s ahead', 'Wed, 01 May 2024 12:00:30 GMT', 30_000],
    ['an HTTP date in the past → retry now', 'Wed, 01 May 2024 11:00:00 GMT', 0],
    ['missing', undefined, undefined],
    ['empty', '', undefined],
    ['not a string', 5, undefined],
    ['garbage', 'soon', undefined],
    ['garbage that ends in a number', 'later 12', undefined],
    ['garbage with a far-future year', 'retry 2099', undefined],
    ['hexadecimal', '0x10', undefined],
    ['exponent notation', '1e3', undefined],
    ['negative seconds', '-5', undefined],
  ];
  for (const [name, header, expected] of rows) {
    it(`${name}: ${JSON.stringify(header)} → ${expected}`, () => {
      assert.equal(parseRetryAfter(header, NOW), expected);
    });
  }
});
