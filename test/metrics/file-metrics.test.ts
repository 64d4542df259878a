import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { createSecretAccessMetrics } from '../../src/metrics/secret-access-metrics.js';
import type { SecretSnapshot } from '../../src/metrics/recorder.js';

const T = 1_800_000_000_000;

describe('metrics/secret access gauges (computed at scrape time)', () => {
  it('reports read, read delay and unread time per secret, and nothing for untracked ones', async () => {
    const registry = new Registry();
    let now = T + 30_000;
    const secrets: SecretSnapshot[] = [
      { name: 'db', engine: 'leased', expiresAt: T + 60_000, accessTracked: true, versionWrittenAt: T, appReadAt: T + 4_000 },
      { name: 'rotated', engine: 'leased', expiresAt: T + 60_000, accessTracked: true, versionWrittenAt: T + 10_000 },
      { name: 'noatime', engine: 'kv2', expiresAt: Infinity, accessTracked: false, versionWrittenAt: T },
      { name: 'not-written', engine: 'kv2', expiresAt: 0, accessTracked: true },
    ];
    createSecretAccessMetrics(registry, () => secrets, () => now);
    let text = await registry.metrics();
    assert.match(text, /^vaultlet_secret_app_read\{secret="db"\} 1$/m);
    assert.match(text, /^vaultlet_secret_app_read\{secret="rotated"\} 0$/m);
    assert.match(text, /^vaultlet_secret_app_read_delay_seconds\{secret="db"\} 4$/m);
    assert.doesNotMatch(text, /vaultlet_secret_app_read_delay_seconds\{secret="rotated"\}/);
    assert.match(text, /^vaultlet_secret_unread_seconds\{secret="db"\} 0$/m);
    assert.match(text, /^vaultlet_secret_unread_seconds\{secret="rotated"\} 20$/m);
    assert.doesNotMatch(text, /secret="noatime"|secret="not-written"/);
    now += 5_000;
    text = await registry.metrics();
    assert.match(text, /^vaultlet_secret_unread_seconds\{secret="rotated"\} 25$/m, 'unread time grows between scrapes without any event');
  });
});
