import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Gauge, type Registry } from 'prom-client';

/** prom-client's names, so standard Node.js dashboards keep working. */
export const EVENT_LOOP_DELAY_METRICS = {
  min: 'nodejs_eventloop_lag_min_seconds',
  max: 'nodejs_eventloop_lag_max_seconds',
  mean: 'nodejs_eventloop_lag_mean_seconds',
  stddev: 'nodejs_eventloop_lag_stddev_seconds',
  p50: 'nodejs_eventloop_lag_p50_seconds',
  p90: 'nodejs_eventloop_lag_p90_seconds',
  p99: 'nodejs_eventloop_lag_p99_seconds',
} as const;

/**
 * Event-loop delay since the previous scrape. Node's histogram records the time between two
 * ticks of a timer that should fire every `resolutionMs`, so each sample is the resolution plus
 * the delay: prom-client reports it as is, which at a sidecar's 1 s resolution reads about 1 s
 * for a loop that is late by 2–20 ms. Here the resolution is taken off, leaving the delay. A
 * coarse resolution costs one wake-up a second and sees every stall longer than that tick.
 */
export function createEventLoopMetrics(registry: Registry, resolutionMs: number): void {
  const histogram = monitorEventLoopDelay({ resolution: resolutionMs });
  histogram.enable();
  // An empty window (two scrapes within one tick) has no delay to report; its min reads 2^63.
  const delay = (ns: number): number => (histogram.count > 0 ? Math.max(0, ns / 1e9 - resolutionMs / 1000) : 0);
  const read = {
    min: () => delay(histogram.min),
    max: () => delay(histogram.max),
    mean: () => delay(histogram.mean),
    // A spread is not offset by the resolution.
    stddev: () => (histogram.count > 0 ? histogram.stddev / 1e9 : 0),
    p50: () => delay(histogram.percentile(50)),
    p90: () => delay(histogram.percentile(90)),
    p99: () => delay(histogram.percentile(99)),
  };
  const entries = Object.entries(EVENT_LOOP_DELAY_METRICS) as Array<[keyof typeof read, string]>;
  const gauges: Array<[keyof typeof read, Gauge]> = entries.map(([key, name], index) => [
    key,
    new Gauge({
      name,
      help: `Event-loop delay since the previous scrape, ${key}, in seconds (the monitoring timer's own interval taken off).`,
      registers: [registry],
      // The first gauge's collect reads every statistic, then starts a new window: all seven describe the same one.
      ...(index === 0 ? { collect: () => {
        for (const [stat, gauge] of gauges) gauge.set(read[stat]());
        histogram.reset();
      } } : {}),
    }),
  ]);
}
