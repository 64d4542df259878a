import assert from 'node:assert/strict';
import { appReadCell, formatAgo, formatDuration, leaseCell } from '../../src/http/status-format.js';
import type { SecretView } from '../../src/http/status-view.js';

const NOW = 1_900_000_000_000;
const leased = (overrides: Partial<SecretView> = {}): SecretView => ({
  name: 'db', engine: 'database', file: 'db.json', ready: true, lease: 'leased', expiresAt: NOW + 90_000,
  renewable: true, version: null, lastWriteAt: null, lastRenewalAt: null, lastError: null,
  accessTracked: true, versionWrittenAt: NOW - 12_000, appReadAt: null, ...overrides,
});

describe('status page cells', () => {
  it('formats durations with fixed-width minutes and seconds', () => {
    assert.equal(formatDuration(0), '0s');
    assert.equal(formatDuration(59.9), '59s');
    assert.equal(formatDuration(65), '1m 05s');
    assert.equal(formatDuration(3_725), '1h 02m 05s');
    assert.equal(formatDuration(2 * 86_400 + 3_725), '2d 01h 02m 05s');
    assert.equal(formatDuration(-5), '0s');
  });

  it('counts lease time down, rounding up so "expired" shows only once it is', () => {
    assert.deepEqual(leaseCell(leased(), NOW), { text: '1m 30s', tone: '', title: `expires ${new Date(NOW + 90_000).toISOString()}` });
    assert.equal(leaseCell(leased(), NOW + 89_001).text, '1s');
    assert.equal(leaseCell(leased(), NOW + 60_000).tone, 'warn');
    assert.deepEqual([leaseCell(leased(), NOW + 90_000).text, leaseCell(leased(), NOW + 90_000).tone], ['expired', 'bad']);
    assert.equal(leaseCell(leased({ renewable: false }), NOW).text, '1m 30s (not renewable)');
  });

  it('tells unleased and not-yet-leased secrets apart', () => {
    assert.equal(leaseCell(leased({ lease: 'unleased', expiresAt: null, version: 7 }), NOW).text, 'no lease (version 7)');
    assert.equal(leaseCell(leased({ lease: 'unleased', expiresAt: null }), NOW).text, 'no lease');
    assert.deepEqual(leaseCell(leased({ lease: 'pending', expiresAt: null }), NOW), { text: 'not leased yet', tone: 'warn' });
  });

  it('says how long ago something happened, or never', () => {
    assert.deepEqual(formatAgo(null, NOW), { text: 'never', tone: '' });
    assert.equal(formatAgo(NOW - 61_500, NOW).text, '1m 01s ago');
  });

  it('says whether the app has read the current version, and how long it waited', () => {
    assert.equal(appReadCell(leased({ appReadAt: NOW - 9_000 }), NOW).text, 'yes, 3s after write');
    assert.equal(appReadCell(leased({ appReadAt: NOW - 9_000 }), NOW).tone, 'ok');
    assert.deepEqual(appReadCell(leased(), NOW), {
      text: 'not yet (12s)', tone: '', title: `version written ${new Date(NOW - 12_000).toISOString()}; not read since`,
    });
    assert.equal(appReadCell(leased(), NOW + 60_000).text, 'not yet (1m 12s)', 'the wait counts up as time passes');
    assert.deepEqual([appReadCell(leased(), NOW + 900_000).text, appReadCell(leased(), NOW + 900_000).tone], ['not yet (15m 12s)', 'warn']);
  });

  it('says unknown on a noatime mount and nothing before a version is written', () => {
    assert.equal(appReadCell(leased({ accessTracked: false, versionWrittenAt: null }), NOW).text, 'unknown (noatime mount)');
    assert.equal(appReadCell(leased({ accessTracked: false }), NOW).text, 'unknown (noatime mount)', 'not "not yet": unread cannot be told from unseen');
    assert.equal(appReadCell(leased({ versionWrittenAt: null }), NOW).text, '—');
  });
});
