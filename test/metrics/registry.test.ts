import assert from 'node:assert/strict';
import { register as globalRegistry } from 'prom-client';
import { createRegistry } from '../../src/metrics/registry.js';

describe('createRegistry', () => {
  it('includes unprefixed Node process metrics by default', async () => {
    const text = await createRegistry().metrics();
    assert.match(text, /^# TYPE process_cpu_user_seconds_total counter$/m);
    assert.match(text, /^# TYPE nodejs_heap_size_used_bytes gauge$/m);
  });

  it('leaves process metrics out when asked', async () => {
    assert.equal(await createRegistry({ processMetrics: false }).metrics(), '\n');
  });

  it('returns a fresh registry each time and never fills the global one', async () => {
    const before = await globalRegistry.metrics();
    const a = createRegistry();
    const b = createRegistry();
    assert.notEqual(a, b);
    assert.notEqual(a, globalRegistry);
    assert.equal(await globalRegistry.metrics(), before);
  });

  it('drops prom-client gauges named like counters (promtool rejects a _total gauge)', async () => {
    assert.doesNotMatch(await createRegistry().metrics(), /^nodejs_active_\w+_total /m);
  });
});
