import assert from 'node:assert/strict';
import { describe, it } from 'mocha';
import { SinkError, UnsafePathError } from '../../src/errors.js';
import { sinkFailure } from '../../src/render/sink-errors.js';

const errno = (code: string) => Object.assign(new Error(`${code}: something, open '/out/.db.tmp-1'`), { code });

describe('sinkFailure', () => {
  const reasons: Array<[string, string]> = [
    ['ENOSPC', 'no space left on the output volume (ENOSPC)'],
    ['EACCES', 'output directory is not writable (EACCES)'],
    ['EROFS', 'output directory is not writable (EROFS)'],
    ['ENOENT', 'output directory is missing (ENOENT)'],
    ['EIO', 'EIO'],
  ];
  for (const [code, reason] of reasons) {
    it(`explains ${code} and names the file and the step`, () => {
      const error = sinkFailure('/out/db.json', 'writing the temporary file', errno(code));
      assert.ok(error instanceof SinkError);
      assert.equal(error.code, 'VAULTLET_SINK');
      assert.equal(error.file, '/out/db.json');
      assert.equal(error.message, `/out/db.json: writing the temporary file failed: ${reason}`);
    });
  }

  it('passes SinkErrors (and UnsafePathErrors) through unchanged', () => {
    const unsafe = new UnsafePathError('/out/x', 'target is a symlink');
    assert.equal(sinkFailure('/out/x', 'anything', unsafe), unsafe);
  });
});
