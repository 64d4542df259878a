import assert from 'node:assert/strict';
import { startInjector, type InjectorHandle } from '../../src/commands/inject.js';
import { silentLogger } from '../../src/log.js';
import { sample } from '../support/agent-process.js';
import { appPod, BASIC_ANNOTATIONS, post, review, selfSignedCert, type TestCert } from './fixtures.js';

describe('vaultlet inject --metrics-port: admissions by result and their latency', () => {
  let cert: TestCert;
  let injector: InjectorHandle;

  before(async () => {
    cert = await selfSignedCert();
    injector = await startInjector(['--tls-cert', cert.cert, '--tls-key', cert.key, '--port', '0', '--host', '127.0.0.1', '--metrics-port', '0'], silentLogger());
  });
  after(async () => {
    await injector?.close();
    await cert?.cleanup();
  });

  it('counts patched, skipped, refused and malformed reviews, and times them', async () => {
    await post(injector.url, '/mutate', JSON.stringify(review(appPod({ ...BASIC_ANNOTATIONS }))), cert.ca);
    await post(injector.url, '/mutate', JSON.stringify(review(appPod({ ...BASIC_ANNOTATIONS }))), cert.ca);
    await post(injector.url, '/mutate', JSON.stringify(review(appPod(undefined))), cert.ca);
    await post(injector.url, '/mutate', JSON.stringify(review(appPod({ 'vaultlet.io/inject': 'maybe' }))), cert.ca);
    await post(injector.url, '/mutate', '{not json', cert.ca);
    assert.ok(injector.metricsUrl);
    const text = await (await fetch(`${injector.metricsUrl}/metrics`)).text();
    const count = (result: string) => sample(text, 'vaultlet_injector_admissions_total', { result });
    assert.deepEqual([count('patched'), count('skipped'), count('refused'), count('malformed'), count('failed')], [2, 1, 1, 1, 0]);
    assert.equal(sample(text, 'vaultlet_injector_admission_duration_seconds_count', { result: 'patched' }), 2);
    assert.ok(!text.includes('demo'), 'no pod names or annotation values in labels');
    assert.equal((await fetch(`${injector.metricsUrl}/mutate`)).status, 404);
  });
});
