import type { Metric, Registry } from 'prom-client';

export type Series = readonly [labels: Readonly<Record<string, string>>, value: number];

/** A metric of ours whose series are made at scrape time, so they can be written out in pieces. */
export interface StreamedMetric {
  readonly name: string;
  readonly help: string;
  readonly type: 'counter' | 'gauge';
  series(): Iterable<Series>;
}

/** Lines per piece of text handed to the response: a few hundred kilobytes at most. */
const LINES_PER_CHUNK = 2000;
const STREAMED = Symbol('vaultlet.streamed');

/**
 * Registers `metric` with prom-client's registry (registry.metrics() and the JSON form see it as
 * any other) and marks it so /metrics can write it in pieces with exposition() instead of
 * building all its series and lines at once: a scrape of 10,000 secrets then never holds more
 * than a chunk.
 */
export function registerStreamed(registry: Registry, metric: StreamedMetric): void {
  const { name, help, type } = metric;
  const adapter = {
    name,
    help,
    type,
    aggregator: 'sum',
    [STREAMED]: metric,
    async get() {
      const values = [];
      for (const [labels, value] of metric.series()) values.push({ labels, value });
      return { name, help, type, aggregator: 'sum', values };
    },
    reset() {},
  };
  registry.registerMetric(adapter as unknown as Metric);
}

/** The streamed metric behind a registered one, if it is ours. */
export function streamedOf(registered: unknown): StreamedMetric | undefined {
  return (registered as { [STREAMED]?: StreamedMetric })[STREAMED];
}

/**
 * The metric in Prometheus' text format, in pieces, exactly as prom-client's registry writes it:
 * `# HELP`, `# TYPE`, one line per series, lines joined by "\n" without a final one.
 */
export function* exposition(metric: StreamedMetric): Iterable<string> {
  const name = escape(metric.name);
  let lines = [`# HELP ${name} ${escape(metric.help)}`, `# TYPE ${name} ${metric.type}`];
  let first = true;
  for (const [labels, value] of metric.series()) {
    const parts: string[] = [];
    for (const label in labels) parts.push(`${label}="${escape(labels[label]!).replace(/"/g, '\\"')}"`);
    lines.push(`${name}${parts.length ? `{${parts.join(',')}}` : ''} ${valueText(value)}`);
    if (lines.length >= LINES_PER_CHUNK) {
      yield `${first ? '' : '\n'}${lines.join('\n')}`;
      first = false;
      lines = [];
    }
  }
  if (lines.length) yield `${first ? '' : '\n'}${lines.join('\n')}`;
}

function escape(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function valueText(value: number): string {
  if (Number.isNaN(value)) return 'Nan';
  if (!Number.isFinite(value)) return value < 0 ? '-Inf' : '+Inf';
  return `${value}`;
}
