import assert from 'node:assert/strict';
import { appReadCell, fileCells, formatAgo, formatDuration, leaseCell, renewalCell } from '../../src/http/status-format.js';
import type { FileView, SecretView } from '../../src/http/status-view.js';

const NOW = 1_900_000_000_000;
const leased = (overrides: Partial<SecretView> = {}): SecretView => ({
  name: 'db', engine: 'database', files: ['db.json'], ready: true, lease: 'leased', expiresAt: NOW + 90_000,
  renewable: true, version: null, lastWriteAt: null, lastRenewalAt: null, lastError: null, ...overrides,
});
const file = (overrides: Partial<FileView> = {}): FileView => ({
  file: 'db.json', secrets: ['db'], format: 'json', upToDate: true, lastWriteAt: NOW - 12_000, lastError: null, trackReads: true,
  accessTracked: true, versionWrittenAt: NOW - 12_000, appReadAt: null, unreadSince: NOW - 12_000, ...overrides,
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
  });

  it('says "not renewable" for a lease that is replaced instead, not "never" renewed', () => {
    assert.equal(renewalCell(leased({ renewable: false }), NOW).text, 'not renewable');
    assert.equal(renewalCell(leased(), NOW).text, 'not yet', 'renewable, not renewed since start');
    assert.equal(renewalCell(leased({ lastRenewalAt: NOW - 5_000 }), NOW).text, '5s ago');
    assert.equal(renewalCell(leased({ lease: 'unleased', expiresAt: null }), NOW).text, '— (no lease)');
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
    assert.equal(appReadCell(file({ appReadAt: NOW - 9_000, unreadSince: null }), NOW).text, 'yes, 3s after write');
    assert.equal(appReadCell(file({ appReadAt: NOW - 9_000, unreadSince: null }), NOW).tone, 'ok');
    assert.deepEqual(appReadCell(file(), NOW), {
      text: 'not yet (12s)', tone: '', title: `version written ${new Date(NOW - 12_000).toISOString()}; not read since`,
    });
    assert.equal(appReadCell(file(), NOW + 60_000).text, 'not yet (1m 12s)', 'the wait counts up as time passes');
    assert.deepEqual([appReadCell(file(), NOW + 900_000).text, appReadCell(file(), NOW + 900_000).tone], ['not yet (15m 12s)', 'warn']);
  });

  it('counts the wait from the oldest unread version when earlier versions went unread too', () => {
    const cell = appReadCell(file({ unreadSince: NOW - 1_000_000 }), NOW);
    assert.deepEqual([cell.text, cell.tone], ['not yet (16m 40s)', 'warn']);
    assert.match(cell.title ?? '', /earlier versions unread since/);
  });

  it('says unknown on a noatime mount, not tracked with track_reads: false, nothing before a version is written', () => {
    assert.equal(appReadCell(file({ accessTracked: false, versionWrittenAt: null }), NOW).text, 'unknown (noatime mount)');
    assert.equal(appReadCell(file({ accessTracked: false }), NOW).text, 'unknown (noatime mount)', 'not "not yet": unread cannot be told from unseen');
    assert.equal(appReadCell(file({ trackReads: false, accessTracked: false }), NOW).text, 'not tracked');
    assert.equal(appReadCell(file({ versionWrittenAt: null }), NOW).text, '—');
  });

  it('shows a file drawn from several secrets once, by name, with its state', () => {
    const cells = fileCells(file({ file: 'app.conf', secrets: ['db', 'app-config'], format: 'template' }), NOW).map((cell) => cell.text);
    assert.deepEqual(cells, ['app.conf', 'db, app-config', '12s ago', 'yes', 'not yet (12s)']);
    assert.equal(fileCells(file({ upToDate: false, lastError: 'template app.conf: line 2: "password" not found' }), NOW)[3]!.text, 'template app.conf: line 2: "password" not found');
    assert.deepEqual(fileCells(file({ upToDate: false, lastWriteAt: null }), NOW).slice(2, 4).map((c) => c.text), ['never', 'not written yet']);
  });
});
