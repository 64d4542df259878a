import assert from 'node:assert/strict';
import { formatGoDuration, parseDurationSeconds } from '../../src/devserver/durations.js';

describe('devserver durations', () => {
  const valid: Array<[unknown, number]> = [
    [undefined, 0], ['', 0], [0, 0], [30, 30], [30.9, 30], ['30', 30], ['30s', 30], ['5m', 300], ['1h', 3600],
    ['1h30m', 5400], ['1.5h', 5400], ['2d', 172800], ['90s', 90], ['1500ms', 1], ['768h', 2764800],
  ];
  for (const [input, seconds] of valid) {
    it(`parses ${JSON.stringify(input)} as ${seconds}s`, () => {
      assert.equal(parseDurationSeconds(input), seconds);
    });
  }

  for (const input of ['abc', '5 minutes', '-5s', '1x', 'h', -1, true, {}]) {
    it(`refuses ${JSON.stringify(input)}`, () => {
      assert.throws(() => parseDurationSeconds(input), /duration/);
    });
  }

  const formatted: Array<[number, string]> = [[0, '0s'], [45, '45s'], [300, '5m0s'], [3661, '1h1m1s'], [2764800, '768h0m0s']];
  for (const [seconds, text] of formatted) {
    it(`formats ${seconds}s like Go as ${text}`, () => assert.equal(formatGoDuration(seconds), text));
  }
});
