import type { Registry } from 'prom-client';
import { registerStreamed, type Series } from './streamed-metric.js';

export interface KeyedCounterOptions<F extends string> {
  readonly name: string;
  readonly help: string;
  /** The free label: one set of series per value (a secret's name). */
  readonly key: string;
  /** The other labels, each with every value it can take, in output order. */
  readonly labels: { readonly [label in F]: readonly string[] };
}

/**
 * A counter family with one free label and a few labels of fixed values, as Prometheus sees a
 * prom-client Counter (same text, same series order), stored compactly: each key's counts in one
 * small array of doubles, the series made only while a scrape formats them. prom-client keeps a
 * labels object, a hash key and an entry per series: with 10,000 secrets and eight series each,
 * about 12 MiB. A series stays absent until declared or counted (NaN marks it untouched).
 */
export class KeyedCounter<F extends string> {
  private readonly counts = new Map<string, number[]>();
  private readonly names: readonly F[];
  /** Every combination of the fixed labels, in output order (the first label varies slowest). */
  private readonly combinations: ReadonlyArray<Record<F, string>>;

  constructor(registry: Registry, private readonly options: KeyedCounterOptions<F>) {
    this.names = Object.keys(options.labels) as F[];
    let combinations: Array<Record<F, string>> = [{} as Record<F, string>];
    for (const label of this.names) {
      combinations = combinations.flatMap((partial) => options.labels[label].map((value) => ({ ...partial, [label]: value })));
    }
    this.combinations = combinations;
    const { name, help } = options;
    registerStreamed(registry, { name, help, type: 'counter', series: () => this.series() });
  }

  /** Creates every series of `key` at 0, so rate() and increase() work from the first scrape. */
  declare(key: string): void {
    const counts = this.countsOf(key);
    for (let index = 0; index < counts.length; index++) if (Number.isNaN(counts[index])) counts[index] = 0;
  }

  inc(key: string, labels: Record<F, string>, by = 1): void {
    const counts = this.countsOf(key);
    const index = this.indexOf(labels);
    counts[index] = (Number.isNaN(counts[index]) ? 0 : counts[index]!) + by;
  }

  private countsOf(key: string): number[] {
    let counts = this.counts.get(key);
    if (!counts) {
      // A plain array of doubles: a typed array costs two objects and a backing store more.
      counts = new Array<number>(this.combinations.length).fill(Number.NaN);
      this.counts.set(key, counts);
    }
    return counts;
  }

  private indexOf(labels: Record<F, string>): number {
    let index = 0;
    for (const label of this.names) {
      const values = this.options.labels[label];
      const at = values.indexOf(labels[label]);
      if (at < 0) throw new RangeError(`${this.options.name}: ${label}="${labels[label]}" is not one of ${values.join(', ')}`);
      index = index * values.length + at;
    }
    return index;
  }

  private *series(): Iterable<Series> {
    const { key } = this.options;
    for (const [value, counts] of this.counts) {
      for (let index = 0; index < counts.length; index++) {
        const count = counts[index]!;
        if (!Number.isNaN(count)) yield [{ [key]: value, ...this.combinations[index] }, count];
      }
    }
  }
}
