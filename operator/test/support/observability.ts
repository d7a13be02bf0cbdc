/**
 * What the chart's dashboard and alerts query, read from the files the chart ships, and the
 * metric names in a PromQL expression — so a test can demand that every metric a panel or an
 * alert uses changes during a scenario, and a panel added later without one fails it.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import yaml from 'js-yaml';

export const chartDir = fileURLToPath(new URL('../../../charts/mecm-operator', import.meta.url));
export const dashboardFile = `${chartDir}/files/dashboards/mecm-fleet.json`;
export const alertsFile = `${chartDir}/files/prometheus/alerts.yaml`;

export interface DashboardTarget {
  readonly refId?: string;
  readonly expr?: string;
  readonly datasource?: { readonly type?: string; readonly uid?: string };
}

export interface DashboardPanel {
  readonly id?: number;
  readonly type?: string;
  readonly title?: string;
  readonly datasource?: { readonly type?: string; readonly uid?: string };
  readonly gridPos?: { readonly x: number; readonly y: number; readonly w: number; readonly h: number };
  readonly targets?: readonly DashboardTarget[];
  readonly panels?: readonly DashboardPanel[];
}

export interface Dashboard {
  readonly uid?: string;
  readonly title?: string;
  readonly schemaVersion?: number;
  readonly templating?: { readonly list?: ReadonlyArray<{ readonly name?: string; readonly type?: string; readonly query?: string }> };
  readonly panels?: readonly DashboardPanel[];
}

export interface AlertRule {
  readonly alert?: string;
  readonly record?: string;
  readonly expr: string;
  readonly for?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
}

export interface RuleFile {
  readonly groups: ReadonlyArray<{ readonly name: string; readonly rules: readonly AlertRule[] }>;
}

export function readDashboard(): Dashboard {
  return JSON.parse(readFileSync(dashboardFile, 'utf8')) as Dashboard;
}

export function readAlerts(): RuleFile {
  return yaml.load(readFileSync(alertsFile, 'utf8')) as RuleFile;
}

/** Every panel of the dashboard, those inside rows included (rows themselves are not panels). */
export function dashboardPanels(dashboard: Dashboard): DashboardPanel[] {
  return (dashboard.panels ?? []).flatMap((p) => (p.type === 'row' ? [...(p.panels ?? [])] : [p]));
}

/** Each panel query with its panel's title. */
export function dashboardExprs(dashboard: Dashboard): Array<{ readonly panel: string; readonly expr: string }> {
  return dashboardPanels(dashboard).flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title ?? '?', expr: t.expr ?? '' })));
}

/** Each alert's expression with its name. */
export function alertExprs(rules: RuleFile): Array<{ readonly alert: string; readonly expr: string }> {
  return rules.groups.flatMap((g) => g.rules.map((r) => ({ alert: r.alert ?? r.record ?? '?', expr: r.expr })));
}

/** Grafana's variables replaced by what Prometheus would see, so promtool can parse a panel query. */
export function withoutGrafanaVariables(expr: string): string {
  return expr.replaceAll('$__rate_interval', '5m').replaceAll('$__interval', '1m').replaceAll('$__range', '1h').replaceAll('$job', 'mecm-operator');
}

const keywords = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'and', 'or', 'unless', 'offset', 'inf', 'nan', 'atan2']);

/**
 * The metric names an expression selects: identifiers that are not functions, aggregations,
 * keywords, label names (inside {…} and by/without/on/ignoring/group_*(…)), strings, ranges or
 * numbers. Enough for the expressions of our own dashboard and rules; not a PromQL parser.
 */
export function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\boffset\s+\S+/g, ' ');
  const names = new Set<string>();
  for (const match of stripped.matchAll(/\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|[A-Za-z_:][A-Za-z0-9_:]*/g)) {
    const token = match[0];
    if (/^\d/.test(token) || keywords.has(token)) continue;
    const after = stripped.slice(match.index + token.length);
    if (/^\s*\(/.test(after)) continue;
    names.add(token);
  }
  return [...names].sort();
}

/** One scrape of the Prometheus text format: series (name and labels as printed) to value. */
export type Scrape = ReadonlyMap<string, number>;

export function parseExposition(text: string): Map<string, number> {
  const series = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    series.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return series;
}

/** The metric name of a series key (`name{labels}` or `name`). */
export function seriesName(key: string): string {
  const brace = key.indexOf('{');
  return brace < 0 ? key : key.slice(0, brace);
}

/** Names whose series differ between two scrapes: a series appeared, went, or changed value. */
export function changedNames(before: Scrape, after: Scrape): Set<string> {
  const changed = new Set<string>();
  for (const [key, value] of after) if (before.get(key) !== value) changed.add(seriesName(key));
  for (const key of before.keys()) if (!after.has(key)) changed.add(seriesName(key));
  return changed;
}
