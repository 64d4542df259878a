import assert from 'node:assert/strict';
import { backoffDelay } from '../../src/lease/backoff.js';

const limits = { baseMs: 1_000, capMs: 30_000, floorMs: 250 };

describe('lease/backoff backoffDelay', () => {
  const rows: Array<[attempt: number, rand: number, retryAfter: number, expected: number]> = [
    [1, 1, 0, 1_000],
    [2, 1, 0, 2_000],
    [5, 1, 0, 16_000],
    [6, 1, 0, 30_000],
    [60, 1, 0, 30_000],
    [3, 0.5, 0, 2_000],
    [3, 0, 0, 250],
    [1, 0.1, 5_000, 5_000],
    [6, 1, 5_000, 30_000],
    [0, 1, 0, 1_000],
    [1, 0.5, 86_400_000, 300_000],
  ];
  for (const [attempt, rand, retryAfter, expected] of rows) {
    it(`attempt ${attempt}, rand ${rand}, Retry-After ${retryAfter} ms → ${expected} ms`, () => {
      assert.equal(backoffDelay(attempt, rand, limits, retryAfter), expected);
    });
  }
});
