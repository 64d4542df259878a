import { afterOutage, PEAK_WINDOW_MS, startTogether, type FleetScenarioResult } from './fleet/scenarios.js';
import { ratesOverTime } from './fleet/rates.js';
import type { Series } from './plot-svg.js';
import type { BenchContext, Row } from './row.js';

/** The fleet simulation (virtual clock, real nextAction/backoffDelay): rows and plot series. */
export function benchFleet(context: BenchContext): { rows: Row[]; series: Series[] } {
  const agents = 10_000;
  const started = Date.now();
  const scenarios = [startTogether(agents), afterOutage(agents)];
  context.log(`fleet: simulated ${scenarios.length} × ${agents} agents × 4 h in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  const rows = scenarios.map((scenario): Row => {
    const { after, before, during, burst } = scenario;
    const from = before ? 'from the end of the outage' : `from ${scenario.window.fromMs / 1000} s after the start`;
    return {
      section: 'fleet',
      metric: `${agents.toLocaleString('en')} agents ${scenario.name}: peak/mean req/s ${from} (${PEAK_WINDOW_MS / 1000} s windows)`,
      value: `${after.peakToMean.toFixed(2)}× (peak ${after.peak.toFixed(0)}, mean ${after.mean.toFixed(1)})`,
      baseline: before && during
        ? `before the outage ${before.peakToMean.toFixed(2)}×; during it ${(during.mean / before.mean).toFixed(1)}× the settled mean (peak ${(during.peak / before.mean).toFixed(1)}×), all refused`
        : `left out: the first ${scenario.window.fromMs / 1000} s, ${burst ? burst.peak.toFixed(0) : scenario.result.requests[0]} requests/s at most (every login and first read)`,
      target: '≤ 1.5×',
      pass: after.peakToMean <= 1.5,
      data: summary(scenario),
    };
  });
  const series = scenarios.map((scenario): Series => {
    const outage = scenario.name.includes('outage') ? [{ from: 2 * 3600, to: 2 * 3600 + 300, label: 'Vault down 5 min' }] : [];
    return {
      title: `${agents.toLocaleString('en')} agents ${scenario.name} — peak/mean ${scenario.after.peakToMean.toFixed(2)}× (1 KV/5m + 2 leases 1h per agent)`,
      values: ratesOverTime(scenario.result.requests, scenario.result.binMs, PEAK_WINDOW_MS),
      stepSeconds: PEAK_WINDOW_MS / 1000,
      marks: [
        { y: scenario.after.mean, label: `mean ${scenario.after.mean.toFixed(0)}/s`, colour: '#2a2' },
        { y: 1.5 * scenario.after.mean, label: 'target: 1.5 × mean', colour: '#d80' },
      ],
      shade: outage,
    };
  });
  return { rows, series };
}

function summary(scenario: FleetScenarioResult): Record<string, unknown> {
  const failed = scenario.result.failed.reduce((sum, n) => sum + n, 0);
  return {
    agents: scenario.agents,
    window: scenario.window,
    after: scenario.after,
    before: scenario.before,
    during: scenario.during,
    burst: scenario.burst,
    requestsByKind: scenario.result.byKind,
    failedRequests: failed,
    firstSecondRequests: scenario.result.requests[0],
    leasesCreated: scenario.result.leasesCreated,
  };
}
