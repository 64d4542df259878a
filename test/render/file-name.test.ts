import assert from 'node:assert/strict';
import { describe, it } from 'mocha';
import { UnsafePathError } from '../../src/errors.js';
import { assertSafeFileName } from '../../src/render/index.js';
import { thrownBy } from './helpers.js';

describe('assertSafeFileName', () => {
  const unsafe = ['', '.', '..', '../etc/passwd', 'a/b', '/abs', 'a\\b', 'nul\0byte', '.hidden', '.db.json.tmp-1'];
  for (const name of unsafe) {
    it(`rejects ${JSON.stringify(name)}`, () => {
      const error = thrownBy(UnsafePathError, () => assertSafeFileName(name));
      assert.equal(error.code, 'VAULTLET_UNSAFE_PATH');
    });
  }

  for (const name of ['db.json', 'app.env', 'tls.crt', 'a..b', 'UPPER-case_1', 'ümlaut']) {
    it(`accepts ${JSON.stringify(name)}`, () => {
      assert.doesNotThrow(() => assertSafeFileName(name));
    });
  }
});
