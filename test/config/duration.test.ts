import assert from 'node:assert/strict';
import { ConfigError } from '../../src/errors.js';
import { parseDuration } from '../../src/config/index.js';

describe('parseDuration', () => {
  const valid: Array<[string | number, number]> = [
    ['250ms', 250], ['30s', 30_000], ['5m', 300_000], ['2h', 7_200_000], ['1h30m', 5_400_000], ['1m30s500ms', 90_500],
    ['1.5s', 1_500], ['1.1s', 1_100], ['.5s', 500], ['1500us', 1.5], ['1500µs', 1.5], ['2000000ns', 2], ['0', 0], ['0s', 0],
    ['45', 45_000], [' 10s ', 10_000], [30, 30_000], [0.25, 250], [0, 0],
  ];
  for (const [input, ms] of valid) {
    it(`${JSON.stringify(input)} is ${ms} ms`, () => assert.equal(parseDuration(input, 'k'), ms));
  }

  const invalid: Array<[string | number, RegExp]> = [
    ['-5s', /^shutdown\.grace_period: must not be negative \(got "-5s"\)$/],
    [-1, /^shutdown\.grace_period: must not be negative \(got -1\)$/],
    ['', /must be a duration like/],
    ['soon', /must be a duration like .* \(got "soon"\)$/],
    ['5 m', /must be a duration like/],
    ['5d', /must be a duration like/],
    ['1h30', /must be a duration like/],
    ['s', /must be a duration like/],
    ['1e3s', /must be a duration like/],
    [Number.NaN, /must be a duration like/],
    [Number.POSITIVE_INFINITY, /must be a duration like/],
  ];
  for (const [input, expected] of invalid) {
    it(`rejects ${JSON.stringify(input) ?? String(input)} naming the key`, () => {
      assert.throws(() => parseDuration(input, 'shutdown.grace_period'), (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.equal(error.issues.length, 1);
        assert.ok(error.issues[0]!.startsWith('shutdown.grace_period: '), error.issues[0]);
        assert.match(error.issues[0]!, expected);
        return true;
      });
    });
  }
});
