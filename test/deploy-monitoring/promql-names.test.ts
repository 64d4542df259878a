import assert from 'node:assert/strict';
import { exportedNames, metricNames } from './promql-names.js';

describe('metricNames (the dashboard and rule checks rely on it)', () => {
  it('finds metric names and ignores functions, label lists, strings, ranges and Grafana variables', () => {
    assert.deepEqual(metricNames('sum by (secret, result) (rate(vaultlet_a_total{job=~"$job", x="some_label"}[$__rate_interval]))'), ['vaultlet_a_total']);
    assert.deepEqual(metricNames('histogram_quantile(0.99, sum by (le) (rate(b_bucket[5m])))'), ['b_bucket']);
    assert.deepEqual(metricNames('a / on (x) group_left (y) b offset 5m unless ignoring(result) c > bool 3'), ['a', 'b', 'c']);
    assert.deepEqual(metricNames('time() - last_write_seconds < 600 or vector(0)'), ['last_write_seconds']);
    assert.deepEqual(metricNames('count(up == 0) or NaN'), ['up']);
    assert.deepEqual(metricNames('min_over_time((timestamp(a{r="f"}) and a == a @ end())[1h:15s]) > ignoring (r) group_left b unless c offset 1h'), ['a', 'b', 'c']);
  });

  it('reads the selector of a Grafana label_values() query', () => {
    assert.deepEqual(metricNames('label_values(vaultlet_build_info{job=~"$job"}, instance)'), ['vaultlet_build_info']);
  });

  it('lists every sample name of an exposition, histogram parts included', () => {
    const text = '# HELP x_seconds h\n# TYPE x_seconds histogram\nx_seconds_bucket{le="1"} 1\nx_seconds_sum 1\nx_seconds_count 1\nup 1\n';
    assert.deepEqual([...exportedNames(text)].sort(), ['up', 'x_seconds_bucket', 'x_seconds_count', 'x_seconds_sum']);
  });
});
