import assert from 'node:assert/strict';
import { describe, it } from 'mocha';
import { parse } from 'yaml';
import { RenderError } from '../../src/errors.js';
import { renderYaml } from '../../src/render/yaml.js';
import { thrownBy } from './helpers.js';

const yaml = (data: Record<string, unknown>) => renderYaml('app', data).toString('utf8');

/** Strings that a YAML 1.1 or 1.2 reader would take for something else if written plain. */
const tricky: Record<string, string> = {
  yes: 'yes', No: 'No', ON: 'ON', off: 'off', y: 'y', n: 'n', true: 'True',
  null: 'null', tilde: '~', Null: 'NULL',
  octal: '0123', octal12: '0o17', hex: '0x1F', exp: '1e3', float: '.5', inf: '-.inf', nan: '.NaN',
  sexagesimal: '12:30:00', underscore: '1_000', date: '2001-12-14', merge: '<<', equals: '=',
  colon_space: ': x', ends_colon: 'x:', hash: 'a #b', leading: '  leading', trailing: 'trailing  ',
  dash: '- x', lone_dash: '-', question: '? x', anchor: '&a', alias: '*a', tag: '!tag', directive: '%YAML',
  at: '@x', backtick: '`x', brace: '{a: 1}', bracket: '[a]', pipe: '| x', gt: '> x',
  quotes: `'single' "double"`, backslash: 'C:\\path\\n', doc_start: '---', doc_end: '...',
  empty: '', tab: '\tx', cr: 'a\rb', crlf: 'a\r\nb', nul: 'a\0b', escape: '\x1b[0m',
  unicode: 'Zoë 🚀 日本', nbsp: '\u00a0x', line_sep: 'a\u2028b', para_sep: 'a\u2029b', bom: '\ufeffx', nel: 'a\u0085b',
  del: 'a\u007fb', c1: '\u0086\u009f', non_characters: '\ufffe\uffff',
  lone_surrogate: 'x\ud800y',
  multi: 'line1\nline2\n', multi_no_end: 'l1\nl2', multi_blank_end: 'l1\n\n\n', multi_lead: '  l1\nl2\n',
  multi_trailing_space: 'a \nb', multi_blank_line: 'a\n  \nb', only_newline: '\n',
  long: 'x'.repeat(300), long_words: 'word '.repeat(60).trim(),
};

const pem = '-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\nAbCd==\n-----END CERTIFICATE-----\n';

/** Outside YAML's printable set, or read by 1.1 readers as a line break (NEL, LS, PS) or dropped (BOM). */
const NOT_PRINTABLE_RAW = /[^\t\n\r\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\u{10000}-\u{10ffff}]/u;

function roundTrips(data: Record<string, unknown>): void {
  const text = yaml(data);
  assert.doesNotMatch(text, NOT_PRINTABLE_RAW, 'such characters are written as escapes');
  assert.deepEqual(parse(text), data, 'YAML 1.2 reader');
  assert.deepEqual(parse(text, { version: '1.1' }), data, 'YAML 1.1 reader (PyYAML, SnakeYAML rules)');
}

/** A small seeded generator, so a failing fuzz case can be reproduced. */
function randomStrings(seed: number, count: number): string[] {
  const alphabet = ['a', 'Z', '0', '9', ' ', '\n', '\t', ':', '#', '-', '?', '"', "'", '\\', '{', '[', '&', '*', '!', '|', '>', '%', '@', '`', '.', ',', '~', '=', '<', 'é', '🚀', '\r', 'e', 'x', 'y', 'n', '\u0085', '\u2028', '\ufeff', '\x7f'];
  let state = seed;
  const next = () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  return Array.from({ length: count }, () =>
    Array.from({ length: Math.floor(next() * 8) }, () => alphabet[Math.floor(next() * alphabet.length)]).join(''),
  );
}

describe('render yaml', () => {
  it('round-trips every tricky string value through YAML 1.2 and 1.1 readers', () => {
    roundTrips(tricky);
  });

  it('round-trips the same strings used as keys', () => {
    roundTrips(Object.fromEntries(Object.values(tricky).map((value, i) => [value, i])));
  });

  it('round-trips 2000 random strings as keys and values', () => {
    const strings = randomStrings(42, 2000);
    for (let start = 0; start < strings.length; start += 100) {
      const batch = strings.slice(start, start + 100); // the readers check duplicate keys in O(n²)
      roundTrips(Object.fromEntries(batch.map((s, i) => [`k${i}`, s])));
      roundTrips(Object.fromEntries(batch.map((s, i) => [s, i])));
    }
  });

  it('keeps numbers, booleans, null, lists and nested maps native', () => {
    const data = { port: 5432, ratio: -1.5, big: 12345678901234567, on: true, off: false, none: null, list: ['yes', 1, null, { k: '0123' }], nested: { deeper: { key: 'no' } }, empty_map: {}, empty_list: [] };
    roundTrips(data);
    assert.match(yaml(data), /^port: 5432$/m);
    assert.match(yaml(data), /^"on": true$/m, 'a plain `on` key is the boolean true to YAML 1.1');
  });

  it('writes plain what is unambiguous, quotes what is not, and puts PEM in a literal block', () => {
    assert.equal(
      yaml({ username: 'app-user', host: 'db.example.com', enabled: 'yes', code: '0123', cert: pem }),
      'username: app-user\nhost: db.example.com\nenabled: "yes"\ncode: "0123"\n' +
        'cert: |\n  -----BEGIN CERTIFICATE-----\n  MIIBszCCAVmgAwIBAgIU\n  AbCd==\n  -----END CERTIFICATE-----\n',
    );
  });

  it('never folds a long token across lines', () => {
    const token = 'hvs.' + 'A'.repeat(500);
    assert.equal(yaml({ token, sentence: 'a b '.repeat(100) }).split('\n').length, 3);
  });

  it('writes a repeated object twice instead of using anchors and aliases', () => {
    const shared = { user: 'app' };
    const text = yaml({ primary: shared, replica: shared });
    assert.doesNotMatch(text, /[&*]/);
    assert.deepEqual(parse(text), { primary: shared, replica: shared });
  });

  it('writes an empty secret as an empty map', () => {
    assert.deepEqual(parse(yaml({})), {});
  });

  it('refuses data YAML cannot hold, without quoting it', () => {
    const data: Record<string, unknown> = { password: 'sentinel-a8f3' };
    data.self = data;
    const error = thrownBy(RenderError, () => renderYaml('db', data));
    assert.match(error.message, /secret "db"/);
    assert.doesNotMatch(error.message, /sentinel-a8f3/);
  });
});
