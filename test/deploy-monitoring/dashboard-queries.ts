import { readFileSync } from 'node:fs';
import { repoPath } from '../support/repo-root.js';

export const DASHBOARD_PATH = repoPath('deploy', 'monitoring', 'grafana-dashboard.json');

export interface DashboardQuery {
  /** Panel title, or "variable <name>" for a template variable. */
  readonly where: string;
  readonly expr: string;
}

interface Panel {
  readonly title?: string;
  readonly type: string;
  readonly targets?: ReadonlyArray<{ readonly expr?: string }>;
  readonly panels?: readonly Panel[];
}

export interface Dashboard {
  readonly uid: string;
  readonly title: string;
  readonly panels: ReadonlyArray<Panel & { id: number; gridPos: { x: number; y: number; w: number; h: number }; datasource?: { uid?: string } }>;
  readonly templating: { readonly list: ReadonlyArray<{ name: string; type: string; query?: unknown }> };
}

export function loadDashboard(): Dashboard {
  return JSON.parse(readFileSync(DASHBOARD_PATH, 'utf8')) as Dashboard;
}

/** Every PromQL expression of every panel (rows' nested panels included) and query variable. */
export function dashboardQueries(dashboard = loadDashboard()): DashboardQuery[] {
  const queries: DashboardQuery[] = [];
  const visit = (panels: readonly Panel[]): void => {
    for (const panel of panels) {
      for (const target of panel.targets ?? []) if (target.expr) queries.push({ where: panel.title ?? panel.type, expr: target.expr });
      visit(panel.panels ?? []);
    }
  };
  visit(dashboard.panels);
  for (const variable of dashboard.templating.list) {
    if (variable.type !== 'query') continue;
    const query = typeof variable.query === 'string' ? variable.query : (variable.query as { query?: string } | undefined)?.query;
    if (query) queries.push({ where: `variable ${variable.name}`, expr: query });
  }
  return queries;
}

/** Replaces Grafana's variables with what Grafana would send for "All" (".*": series without the label match too) and a given rate window. */
export function concreteQuery(expr: string, rateInterval = '1m'): string {
  return expr
    .replaceAll('$__rate_interval', rateInterval)
    .replaceAll('$__interval', rateInterval)
    .replace(/\$\{?(namespace|pod)\}?/g, '.*');
}
