import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { ConfigError, UnsafePathError } from '../../src/errors.js';
import { parseConfig } from '../../src/config/index.js';
import { AtomicFileSink } from '../../src/render/atomic-file-sink.js';
import { MAX_FILE_NAME_BYTES } from '../../src/render/file-name.js';
import { minimalDocument } from './fixtures.js';

/** Names the file system or the atomic sink could never write: refused up front, naming the key. */
describe('file names that can never be written', () => {
  const refused: Array<[string, string, RegExp]> = [
    ['256 ASCII bytes', 'a'.repeat(256), /must be at most 237 bytes in UTF-8 .* it is 256/],
    ['86 three-byte characters (258 bytes, 86 characters)', '秘'.repeat(86), /it is 258/],
    ['no room for the temp file (250 bytes)', `${'b'.repeat(245)}.json`, /temporary file's name is 18 longer\); it is 250/],
    ['a newline', 'db\n.json', /must not contain control characters/],
    ['a tab', 'db\t.json', /must not contain control characters/],
    ['a carriage return', 'db.json\r', /must not contain control characters/],
    ['DEL', 'db\u007f.json', /must not contain control characters/],
    ['a lone surrogate', 'db\uD800.json', /must be valid Unicode/],
  ];
  for (const [what, file, message] of refused) {
    it(`refuses ${what} as a configuration error naming the key`, () => {
      const document = minimalDocument();
      (document.secrets as Array<Record<string, unknown>>)[0]!.file = file;
      assert.throws(() => parseConfig(stringify(document), 'vaultlet.yaml', {}), (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.match(error.message, /secrets\[0\]\.file: /);
        assert.match(error.message, message);
        return true;
      });
    });
  }

  it('accepts the longest name the sink can write, and the sink writes it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vaultlet-names-'));
    try {
      for (const file of [`${'c'.repeat(MAX_FILE_NAME_BYTES - 5)}.json`, `${'é'.repeat((MAX_FILE_NAME_BYTES - 5) >> 1)}.json`]) {
        const document = minimalDocument();
        (document.secrets as Array<Record<string, unknown>>)[0]!.file = file;
        assert.equal(parseConfig(stringify(document), 'vaultlet.yaml', {}).files[0]!.file, file);
        await new AtomicFileSink({ directory: dir, file, mode: 0o600 }).write(Buffer.from('{}'));
      }
      assert.equal((await readdir(dir)).length, 2);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('the sink itself refuses such names too', () => {
    assert.throws(() => new AtomicFileSink({ directory: '/tmp', file: 'a\nb', mode: 0o600 }), UnsafePathError);
    assert.throws(() => new AtomicFileSink({ directory: '/tmp', file: 'x'.repeat(MAX_FILE_NAME_BYTES + 1), mode: 0o600 }), UnsafePathError);
  });
});
