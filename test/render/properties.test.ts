import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'mocha';
import { getProperties } from 'properties-file';
import { Properties, PropertiesNodeType } from 'properties-file/parser';
import { RenderError } from '../../src/errors.js';
import { renderProperties } from '../../src/render/properties.js';
import { thrownBy } from './helpers.js';

const render = (data: Record<string, unknown>) => renderProperties('app', data);

const tricky: Record<string, string> = {
  plain: 'abc123',
  spaces: 'two words  and more',
  leading: '   leading spaces',
  trailing: 'trailing spaces   ',
  separators: 'a=b:c d',
  comment_chars: '# not a comment ! nor this',
  starts_with_hash: '#hash',
  starts_with_bang: '!bang',
  backslash: 'C:\\path\\to\\n\\u0041',
  ends_backslash: 'line continuation? \\',
  newline: 'line1\nline2\n',
  crlf: 'a\r\nb\rc',
  tab_ff: '\ttab\fform',
  unicode: 'Zoë 🚀 日本',
  latin1: 'café ÿ',
  nbsp: '\u00a0nbsp',
  controls: '\x01\x1b\x7f',
  lone_surrogate: 'x\ud800y',
  empty: '',
  url: 'jdbc:postgresql://db:5432/app?ssl=true&user=a',
  pem: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n',
};

const trickyKeys = [
  'key with spaces', ' leading', 'trailing ', 'a=b', 'a:b', '#hash', '!bang', 'back\\slash',
  'new\nline', 'Zoë🚀', 'tab\tkey', '',
];

/**
 * Loads stdin with java.util.Properties both ways Java reads such files — InputStream (always
 * ISO-8859-1) and a UTF-8 Reader — and prints the properties as JSON with every char \u-escaped.
 */
const JAVA_READER = `
import java.io.*; import java.nio.charset.StandardCharsets; import java.util.*;
public class ReadProperties {
  public static void main(String[] args) throws Exception {
    byte[] bytes = System.in.readAllBytes();
    Properties latin1 = new Properties(); latin1.load(new ByteArrayInputStream(bytes));
    Properties utf8 = new Properties(); utf8.load(new InputStreamReader(new ByteArrayInputStream(bytes), StandardCharsets.UTF_8));
    if (!latin1.equals(utf8)) throw new IllegalStateException("ISO-8859-1 and UTF-8 readings differ");
    StringBuilder out = new StringBuilder("{");
    for (String key : latin1.stringPropertyNames()) out.append(out.length() > 1 ? "," : "").append(json(key)).append(':').append(json(latin1.getProperty(key)));
    System.out.print(out.append('}'));
  }
  static String json(String s) {
    StringBuilder b = new StringBuilder("\\"");
    for (char c : s.toCharArray()) b.append(String.format("\\\\u%04x", (int) c));
    return b.append('"').toString();
  }
}`;

describe('render properties', () => {
  it('round-trips every tricky value through the properties-file parser', () => {
    assert.deepEqual(getProperties(render(tricky)), tricky);
  });

  it('round-trips every tricky key', () => {
    const data = Object.fromEntries(trickyKeys.map((key, i) => [key, `v${i}`]));
    assert.deepEqual(getProperties(render(data)), data);
  });

  it('is read back exactly by java.util.Properties, as ISO-8859-1 and as UTF-8', function () {
    if (spawnSync('java', ['-version']).status !== 0) this.skip(); // Java is optional on dev machines
    this.timeout(20_000);
    const dir = mkdtempSync(path.join(tmpdir(), 'vaultlet-properties-'));
    try {
      writeFileSync(path.join(dir, 'ReadProperties.java'), JAVA_READER);
      const data = { ...tricky, ...Object.fromEntries(trickyKeys.map((key, i) => [key, `v${i}`])) };
      const out = execFileSync('java', [path.join(dir, 'ReadProperties.java')], { input: render(data), encoding: 'utf8' });
      assert.deepEqual(JSON.parse(out), data);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('gives one property per line with "=" and nothing else (no comments, no blank lines)', () => {
    const parsed = new Properties(render(tricky));
    // The parser reports the empty remainder after the final newline as one blank line.
    const properties = parsed.nodes.filter((node) => node.type === PropertiesNodeType.PROPERTY);
    assert.equal(properties.length, Object.keys(tricky).length);
    assert.equal(parsed.nodes.length, properties.length + 1);
    assert.ok(render(tricky).toString('utf8').endsWith('\n') && !render(tricky).toString('utf8').includes('\n\n'));
    assert.equal(render({ user: 'app', 'pass word': 'a b' }).toString('utf8'), 'user=app\npass\\ word=a b\n');
  });

  it('is pure ASCII, so Java reads it the same as ISO-8859-1 or UTF-8', () => {
    const bytes = render({ 'clé': 'Zoë 🚀' });
    assert.ok(bytes.every((byte) => byte < 0x80));
    assert.equal(bytes.toString('latin1'), bytes.toString('utf8'));
    assert.equal(bytes.toString('utf8'), 'cl\\u00e9=Zo\\u00eb \\ud83d\\ude80\n');
  });

  it('flattens nested maps to dotted keys and writes other non-strings as JSON', () => {
    const data = {
      db: { user: 'app', pool: { max: 10, ssl: true } },
      hosts: ['a', 'b'],
      port: 5432,
      ratio: 0.5,
      enabled: false,
      none: null,
      empty: {},
    };
    assert.deepEqual(getProperties(render(data)), {
      'db.user': 'app',
      'db.pool.max': '10',
      'db.pool.ssl': 'true',
      hosts: '["a","b"]',
      port: '5432',
      ratio: '0.5',
      enabled: 'false',
      none: 'null',
      empty: '{}',
    });
  });

  it('writes an empty secret as an empty file', () => {
    assert.equal(render({}).length, 0);
  });

  it('refuses two keys that flatten to the same property, naming the keys but not the values', () => {
    const error = thrownBy(RenderError, () => render({ 'db.user': 'sentinel-one', db: { user: 'sentinel-two' } }));
    assert.match(error.message, /secret "app"/);
    assert.match(error.message, /"db\.user"/);
    assert.match(error.message, /"db" → "user"/);
    assert.doesNotMatch(error.message, /sentinel/);
  });

  it('refuses a value JSON cannot hold, without quoting it', () => {
    const error = thrownBy(RenderError, () => render({ token: 'sentinel-3', nested: { big: 12n } }));
    assert.match(error.message, /"nested" → "big"/);
    assert.doesNotMatch(error.message, /sentinel|12/);
  });
});
