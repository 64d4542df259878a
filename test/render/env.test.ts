import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'mocha';
import { RenderError } from '../../src/errors.js';
import { renderSecret } from '../../src/render/format.js';
import { thrownBy } from './helpers.js';

const env = (data: Record<string, unknown>, envPrefix?: string) =>
  renderSecret({ secret: 'app', format: 'env', data, envPrefix }).toString('utf8');

/** Values as a shell sees them after `. ./file`, read back NUL-separated so newlines survive. */
function sourceWithShell(shell: string, file: string, names: string[]): Record<string, string> {
  const script = '. "$1"; shift; for n in "$@"; do eval "v=\\${$n-UNSET}"; printf "%s\\0" "$v"; done';
  const out = execFileSync(shell, ['-c', script, 'sh', file, ...names], {
    encoding: 'utf8',
    env: {},
    stdio: ['ignore', 'pipe', 'pipe'], // a socket on stdin makes bash read ~/.bashrc
  });
  const values = out.split('\0').slice(0, -1);
  return Object.fromEntries(names.map((name, i) => [name, values[i]!]));
}

/** A reader with the rules dotenv parsers share: NAME=value, or NAME='literal, may span lines'. */
function parseDotenv(text: string): Record<string, string> {
  const result: Record<string, string> = {};
  const line = /^([A-Za-z_][A-Za-z0-9_]*)=(?:'([^']*)'|([^\s'"#]*))$/gm;
  for (const match of text.matchAll(line)) result[match[1]!] = match[2] ?? match[3]!;
  return result;
}

const tricky: Record<string, string> = {
  plain: 'abc123',
  safe_punct: 'user@host:5432/db?x', // '?' is not in the safe set, so this one is quoted
  url: 'postgres://u:p@h:5432/db,x+y=z%20',
  spaces: 'two words  and more',
  single_quote: "it's 'quoted'",
  double_quote: 'say "hi"',
  dollar: '$HOME ${PATH} $(id)',
  backtick: '`id` and \\`escaped\\`',
  backslash: 'C:\\path\\n\\t',
  newline: 'line1\nline2\n',
  crlf: 'a\r\nb',
  unicode: 'Zoë 🚀 日本',
  empty: '',
  hash: 'value # not a comment',
  semicolon: 'a; rm -rf /; b && c | d',
  glob: '* ? [a]',
  leading_dash: '-n',
  trailing_space: 'x ',
};

describe('render env', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'vaultlet-env-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const shell of ['/bin/sh', '/bin/bash']) {
    it(`round-trips every tricky string through ${shell}`, () => {
      const file = path.join(dir, 'tricky.env');
      writeFileSync(file, renderSecret({ secret: 'app', format: 'env', data: tricky }));
      const names = Object.keys(tricky).map((k) => k.toUpperCase());
      const expected = Object.fromEntries(Object.entries(tricky).map(([k, v]) => [k.toUpperCase(), v]));
      assert.deepEqual(sourceWithShell(shell, file, names), expected);
    });
  }

  it('round-trips non-string values through /bin/sh as text or JSON', () => {
    const data = { port: 5432, ratio: -1.5, on: true, off: false, none: null, list: ['a b', 1], obj: { k: "v'" } };
    const file = path.join(dir, 'types.env');
    writeFileSync(file, renderSecret({ secret: 'app', format: 'env', data }));
    assert.deepEqual(sourceWithShell('/bin/sh', file, ['PORT', 'RATIO', 'ON', 'OFF', 'NONE', 'LIST', 'OBJ']), {
      PORT: '5432', RATIO: '-1.5', ON: 'true', OFF: 'false', NONE: '', LIST: '["a b",1]', OBJ: '{"k":"v\'"}',
    });
  });

  it('is read back by a dotenv-style parser (values without single quotes)', () => {
    const data = Object.fromEntries(Object.entries(tricky).filter(([, v]) => !v.includes("'")));
    const expected = Object.fromEntries(Object.entries(data).map(([k, v]) => [k.toUpperCase(), v]));
    assert.deepEqual(parseDotenv(env(data)), expected);
  });

  it('writes safe values bare and quotes the rest, one line per key with a trailing newline', () => {
    assert.equal(
      env({ a: 'x-1.2_/:@%+,=', b: 'has space', c: "it's", d: '' }),
      "A=x-1.2_/:@%+,=\nB='has space'\nC='it'\\''s'\nD=\n",
    );
    assert.equal(env({}), '');
  });

  const names: Array<[string, string | undefined, string]> = [
    ['db-password', undefined, 'DB_PASSWORD'],
    ['api.key', 'app_', 'APP_API_KEY'],
    ['2fa', undefined, '_2FA'],
    ['x', '9', '_9X'],
    ['Zoë key', undefined, 'ZO__KEY'],
    ['ALREADY_OK', undefined, 'ALREADY_OK'],
  ];
  for (const [key, prefix, name] of names) {
    it(`names key "${key}"${prefix ? ` with prefix "${prefix}"` : ''} ${name}`, () => {
      assert.equal(env({ [key]: 'v' }, prefix), `${name}=v\n`);
    });
  }

  it('refuses two keys that become the same variable, naming the keys but not the values', () => {
    const error = thrownBy(RenderError, () => env({ 'db-pass': 'secret-one', db_pass: 'secret-two' }));
    assert.match(error.message, /secret "app"/);
    assert.match(error.message, /"db-pass"/);
    assert.match(error.message, /"db_pass"/);
    assert.match(error.message, /DB_PASS/);
    assert.ok(!error.message.includes('secret-one') && !error.message.includes('secret-two'));
  });

  it('refuses a NUL byte, which no shell variable can hold, without quoting the value', () => {
    const error = thrownBy(RenderError, () => env({ token: 'abc\0def-secret' }));
    assert.match(error.message, /"token"/);
    assert.ok(!error.message.includes('def-secret'));
  });

  it('refuses a key that gives an empty variable name', () => {
    thrownBy(RenderError, () => env({ '': 'v' }));
  });
});
