import assert from 'node:assert/strict';
import { secondsUntil, statusLabel } from '../../src/metrics/labels.js';

describe('metric label helpers', () => {
  it('keeps the status label bounded to HTTP codes or "error"', () => {
    assert.equal(statusLabel(200), '200');
    assert.equal(statusLabel(503), '503');
    for (const odd of [0, -1, 42, 600, 200.5, NaN, Infinity]) assert.equal(statusLabel(odd), 'error', String(odd));
  });

  it('converts ms to seconds remaining and never goes negative', () => {
    assert.equal(secondsUntil(10_500, 500), 10);
    assert.equal(secondsUntil(500, 10_500), 0);
  });
});
