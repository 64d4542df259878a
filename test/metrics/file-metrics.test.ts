import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { createFileMetrics } from '../../src/metrics/file-metrics.js';
import type { FileSnapshot } from '../../src/metrics/recorder.js';

const T = 1_800_000_000_000;

describe('metrics/file gauges (computed at scrape time)', () => {
  it('reports read, read delay and unread time per file, and nothing for untracked ones', async () => {
    const registry = new Registry();
    let now = T + 30_000;
    const file = (name: string, rest: Partial<FileSnapshot>): FileSnapshot => ({ file: name, secrets: [name], upToDate: true, ...rest });
    const files: FileSnapshot[] = [
      file('db', { accessTracked: true, versionWrittenAt: T, appReadAt: T + 4_000 }),
      file('rotated', { accessTracked: true, versionWrittenAt: T + 10_000 }),
      file('noatime', { accessTracked: false, versionWrittenAt: T }),
      file('not-written', { accessTracked: true, upToDate: false }),
    ];
    createFileMetrics(registry, () => files, () => now);
    let text = await registry.metrics();
    assert.match(text, /^vaultlet_secret_app_read\{secret="db",file="db"\} 1$/m);
    assert.match(text, /^vaultlet_secret_app_read\{secret="rotated",file="rotated"\} 0$/m);
    assert.match(text, /^vaultlet_secret_app_read_delay_seconds\{secret="db",file="db"\} 4$/m);
    assert.doesNotMatch(text, /vaultlet_secret_app_read_delay_seconds\{secret="rotated",file="rotated"\}/);
    assert.match(text, /^vaultlet_secret_unread_seconds\{secret="db",file="db"\} 0$/m);
    assert.match(text, /^vaultlet_secret_unread_seconds\{secret="rotated",file="rotated"\} 20$/m);
    assert.doesNotMatch(text, /app_read\{secret="noatime"|unread_seconds\{secret="not-written"/);
    assert.match(text, /^vaultlet_file_up_to_date\{secret="not-written",file="not-written"\} 0$/m);
    assert.match(text, /^vaultlet_file_up_to_date\{secret="db",file="db"\} 1$/m);
    now += 5_000;
    text = await registry.metrics();
    assert.match(text, /^vaultlet_secret_unread_seconds\{secret="rotated",file="rotated"\} 25$/m, 'unread time grows between scrapes without any event');
  });

  it('gives a template file one series per secret it draws on, joinable on(secret), and counts unread time from the oldest unread version', async () => {
    const registry = new Registry();
    const files: FileSnapshot[] = [
      { file: 'app.conf', secrets: ['db', 'app-config'], upToDate: false, accessTracked: true, versionWrittenAt: T + 50_000, unreadSince: T + 10_000 },
    ];
    createFileMetrics(registry, () => files, () => T + 60_000);
    const text = await registry.metrics();
    assert.doesNotMatch(text, /secret="db,app-config"/, 'no joined list as a label value');
    for (const secret of ['db', 'app-config']) {
      assert.match(text, new RegExp(`^vaultlet_file_up_to_date\\{secret="${secret}",file="app.conf"\\} 0$`, 'm'));
      assert.match(text, new RegExp(`^vaultlet_secret_app_read\\{secret="${secret}",file="app.conf"\\} 0$`, 'm'));
      // Written 10 s ago, but unread since an earlier version 50 s ago.
      assert.match(text, new RegExp(`^vaultlet_secret_unread_seconds\\{secret="${secret}",file="app.conf"\\} 50$`, 'm'));
    }
  });
});
