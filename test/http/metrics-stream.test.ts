import assert from 'node:assert/strict';
import { Counter, Gauge } from 'prom-client';
import { createHttpApp } from '../../src/http/app.js';
import { startHttpServer, type HttpServer } from '../../src/http/server.js';
import { createRegistry } from '../../src/metrics/registry.js';
import { KeyedCounter } from '../../src/metrics/keyed-counter.js';
import { registerSnapshotGauge } from '../../src/metrics/snapshot-gauge.js';

/** /metrics sent one metric at a time: the same text as prom-client builds whole, for a big registry. */
describe('/metrics, streamed', () => {
  let server: HttpServer;
  let live: number;
  const registry = createRegistry();

  before(async () => {
    const counter = new Counter({ name: 'test_events_total', help: 'Events.', labelNames: ['secret', 'result'] as const, registers: [registry] });
    for (let i = 0; i < 5000; i++) counter.inc({ secret: `s${i}`, result: i % 3 ? 'success' : 'failure' }, i);
    new Gauge({ name: 'test_plain', help: 'A plain gauge.', registers: [registry] }).set(7);
    const keyed = new KeyedCounter(registry, { name: 'test_writes_total', help: 'Writes,\nby result.', key: 'secret', labels: { result: ['success', 'failure'], changed: ['true', 'false'] } });
    for (let i = 0; i < 3000; i++) keyed.declare(`k${i}`);
    keyed.inc('k7', { result: 'failure', changed: 'true' }, 3);
    keyed.inc('undeclared', { result: 'success', changed: 'false' });
    registerSnapshotGauge(registry, {
      name: 'test_live_seconds',
      help: 'Computed at each scrape.',
      labelNames: ['secret', 'file'],
      *series() {
        for (let i = 0; i < live; i++) yield [{ secret: `s${i}`, file: i === 1 ? 'odd "name" \\ here' : `s${i}.json` }, i === 0 ? Number.POSITIVE_INFINITY : i / 2];
      },
    });
    server = await startHttpServer(createHttpApp({ registry, readiness: () => ({ ready: true, reasons: [] }) }), '127.0.0.1', 0);
  });
  after(() => server.close());

  it('is byte for byte what registry.metrics() gives, with snapshot gauges recomputed at every scrape', async () => {
    for (const count of [3000, 2]) {
      live = count;
      const streamed = await (await fetch(`${server.url}/metrics`)).text();
      // Process metrics move between two scrapes: compare everything else.
      const mine = (text: string) => text.split('\n\n').filter((block) => block.includes('# HELP test_')).join('\n\n');
      assert.equal(mine(streamed), mine(await registry.metrics()));
      assert.ok(streamed.endsWith('\n') && !streamed.endsWith('\n\n'));
      assert.equal(streamed.split('\n').filter((line) => line.startsWith('test_live_seconds{')).length, count);
      assert.equal(streamed.split('\n').filter((line) => line.startsWith('test_writes_total{')).length, 3000 * 4 + 1);
      assert.match(streamed, /^test_writes_total\{secret="k7",result="failure",changed="true"\} 3$/m);
      assert.match(streamed, /^test_writes_total\{secret="undeclared",result="success",changed="false"\} 1$/m);
      assert.doesNotMatch(streamed, /secret="undeclared",result="failure"/);
    }
  });
});
