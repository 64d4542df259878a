/**
 * Metric names used by a PromQL expression (or a Grafana `label_values(selector, label)` query).
 * Not a full parser: it removes what cannot hold a metric name (strings, label matchers, ranges,
 * label lists after by/on/…, Grafana variables) and keeps identifiers not called as functions.
 * promtool checks the syntax separately; this only has to find names, and its tests show it does.
 */
// group_left/group_right may stand without a label list (`> ignoring (result) group_left x`).
const KEYWORDS = new Set(['and', 'or', 'unless', 'offset', 'bool', 'inf', 'nan', 'atan2', 'group_left', 'group_right']);

export function metricNames(expr: string): string[] {
  const grafana = /^\s*label_values\(\s*(.*?)\s*,\s*[a-zA-Z_]\w*\s*\)\s*$/s.exec(expr);
  if (grafana) return metricNames(grafana[1]!);
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, ' ')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\$\{?\w+\}?/g, ' ');
  const names = new Set<string>();
  for (const match of stripped.matchAll(/(?<![\w:.])([a-zA-Z_:][\w:]*)(?![\w:])(?!\s*\()/g)) {
    const name = match[1]!;
    if (!KEYWORDS.has(name.toLowerCase())) names.add(name);
  }
  return [...names].sort();
}

/** Every sample name in Prometheus text exposition (histograms give _bucket, _sum and _count). */
export function exportedNames(exposition: string): Set<string> {
  const names = new Set<string>();
  for (const line of exposition.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    names.add(/^[a-zA-Z_:][\w:]*/.exec(line)![0]);
  }
  return names;
}
