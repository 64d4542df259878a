import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { createEventLoopMetrics, EVENT_LOOP_DELAY_METRICS } from '../../src/metrics/event-loop-metrics.js';
import { createRegistry } from '../../src/metrics/registry.js';

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function value(exposition: string, name: string): number {
  const match = new RegExp(`^${name} (\\S+)$`, 'm').exec(exposition);
  assert.ok(match, `${name} in the exposition`);
  return Number(match[1]);
}

describe('metrics/event-loop delay', function () {
  this.timeout(15_000);

  it('reads the delay alone, not the monitoring tick plus the delay, and sees a stall', async () => {
    const registry = new Registry();
    createEventLoopMetrics(registry, 100);
    await registry.metrics(); // a fresh window
    await pause(1_000);
    const idle = await registry.metrics();
    // Node's histogram holds tick + delay: prom-client's gauges read ≥ 0.1 s here.
    assert.ok(value(idle, EVENT_LOOP_DELAY_METRICS.p50) < 0.05, `p50 ${value(idle, EVENT_LOOP_DELAY_METRICS.p50)} s`);
    assert.ok(value(idle, EVENT_LOOP_DELAY_METRICS.min) < 0.05, `min ${value(idle, EVENT_LOOP_DELAY_METRICS.min)} s`);

    // Node's histogram measures from one tick to the next and starts again at each scrape's
    // reset: let a tick pass first, as one does between any two scrapes.
    await registry.metrics();
    await pause(250);
    const until = Date.now() + 300;
    while (Date.now() < until); // a 300 ms stall of the event loop
    await pause(250);
    const stalled = await registry.metrics();
    const max = value(stalled, EVENT_LOOP_DELAY_METRICS.max);
    assert.ok(max > 0.2 && max < 0.6, `the 300 ms stall reads as ${max} s`);
    // Each scrape starts a new window: the stall does not linger.
    await pause(500);
    assert.ok(value(await registry.metrics(), EVENT_LOOP_DELAY_METRICS.max) < 0.1);
  });

  it('is what the agent registry exports: an idle loop reads milliseconds, not the 1 s tick', async () => {
    const registry = createRegistry();
    await registry.metrics();
    await pause(2_500);
    const text = await registry.metrics();
    for (const name of Object.values(EVENT_LOOP_DELAY_METRICS)) assert.equal(text.split('\n').filter((l) => l.startsWith(`${name} `)).length, 1, name);
    const p99 = value(text, EVENT_LOOP_DELAY_METRICS.p99);
    assert.ok(p99 < 0.2, `p99 ${p99} s (prom-client's own read ≥ 1 s)`);
  });

  it('reads 0, not 2^63 ns, for a window without a tick', async () => {
    const registry = new Registry();
    createEventLoopMetrics(registry, 1000);
    await registry.metrics();
    const text = await registry.metrics();
    for (const name of Object.values(EVENT_LOOP_DELAY_METRICS)) assert.equal(value(text, name), 0, name);
  });
});
