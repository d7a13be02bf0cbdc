/**
 * The chart's alerts and dashboard as files, without a cluster: promtool checks the rules and
 * runs their unit tests (every alert fires on its series and stays silent on a near miss); every
 * panel query parses as PromQL (each wrapped into a throwaway recording rule for promtool); the
 * dashboard has the structure Grafana needs. Whether each metric they use moves on a real
 * operator is observability.test.ts's question.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import yaml from 'js-yaml';
import { runCommand } from './support/kubectl.js';
import {
  alertExprs, alertsFile, dashboardExprs, dashboardPanels, metricNames, readAlerts, readDashboard, withoutGrafanaVariables,
} from './support/observability.js';

const alertTests = fileURLToPath(new URL('./fixtures/observability/alerts.test.yaml', import.meta.url));

interface AlertTestFile {
  readonly tests: ReadonlyArray<{ readonly alert_rule_test?: ReadonlyArray<{ readonly alertname: string; readonly exp_alerts: readonly unknown[] }> }>;
}

describe('The chart\'s alerts and dashboard (promtool)', function () {
  this.timeout(30_000);
  let scratch: string;

  before(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'mecm-promtool-'));
  });
  after(async () => {
    await rm(scratch, { recursive: true, force: true });
  });

  /** `promtool check rules` of a rules file holding `groups`; its exit code and output. */
  const checkRules = async (groups: unknown, name: string) => {
    const file = join(scratch, name);
    await writeFile(file, yaml.dump({ groups }));
    const result = await runCommand('promtool', ['check', 'rules', file]);
    return { code: result.code, output: result.stdout + result.stderr };
  };

  it('passes promtool check rules', async () => {
    const result = await runCommand('promtool', ['check', 'rules', alertsFile]);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    const count = alertExprs(readAlerts()).length;
    assert.match(result.stdout, new RegExp(`SUCCESS: ${count} rules found`));
  });

  it('passes its promtool unit tests', async () => {
    const result = await runCommand('promtool', ['test', 'rules', alertTests]);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /SUCCESS/);
  });

  it('has a unit test for every alert, both firing and silent', async () => {
    const cases = (yaml.load(await readFile(alertTests, 'utf8')) as AlertTestFile).tests.flatMap((t) => t.alert_rule_test ?? []);
    for (const { alert } of alertExprs(readAlerts())) {
      const mine = cases.filter((c) => c.alertname === alert);
      assert.ok(mine.some((c) => c.exp_alerts.length > 0), `${alert}: no case where it fires`);
      assert.ok(mine.some((c) => c.exp_alerts.length === 0), `${alert}: no case where it stays silent`);
    }
  });

  it('every alert has a severity, a summary and a description', () => {
    for (const group of readAlerts().groups) {
      for (const rule of group.rules) {
        assert.ok(['critical', 'warning'].includes(rule.labels?.severity ?? ''), `${rule.alert}: severity`);
        assert.ok(rule.annotations?.summary && rule.annotations.description, `${rule.alert}: summary and description`);
      }
    }
  });

  it('every panel query parses as PromQL (as a recording rule promtool checks)', async () => {
    const exprs = dashboardExprs(readDashboard());
    assert.ok(exprs.length >= 10, `${exprs.length} queries`);
    const rules = exprs.map(({ expr }, i) => ({ record: `dashboard:panel_${i}:check`, expr: withoutGrafanaVariables(expr) }));
    const ok = await checkRules([{ name: 'dashboard', rules }], 'panels.yaml');
    assert.equal(ok.code, 0, ok.output);
    assert.match(ok.output, new RegExp(`SUCCESS: ${exprs.length} rules found`));
    // The wrapping catches a bad query: one unbalanced parenthesis fails the whole file.
    const broken = await checkRules([{ name: 'dashboard', rules: [...rules, { record: 'dashboard:broken', expr: 'sum(rate(workqueue_depth[5m])' }] }], 'broken.yaml');
    assert.notEqual(broken.code, 0);
    assert.match(broken.output, /dashboard:broken|unclosed|parse error/i);
  });

  it('the dashboard has what Grafana needs: a datasource variable, unique ids, datasource per panel and query, a grid without overlaps', () => {
    const dashboard = readDashboard();
    assert.equal(dashboard.uid, 'mecm-operator-fleet');
    assert.ok(dashboard.title && dashboard.schemaVersion && dashboard.schemaVersion >= 36);
    const variables = dashboard.templating?.list ?? [];
    assert.ok(variables.some((v) => v.name === 'datasource' && v.type === 'datasource' && v.query === 'prometheus'));
    assert.ok(variables.some((v) => v.name === 'job'));
    const all = dashboard.panels ?? [];
    const ids = all.map((p) => p.id);
    assert.equal(new Set(ids).size, ids.length, 'panel ids are unique');
    const cells = new Map<string, string>();
    for (const panel of all) {
      const grid = panel.gridPos;
      assert.ok(grid && grid.x >= 0 && grid.w > 0 && grid.x + grid.w <= 24 && grid.h > 0, `${panel.title}: gridPos within 24 columns`);
      for (let x = grid.x; x < grid.x + grid.w; x++) {
        for (let y = grid.y; y < grid.y + grid.h; y++) {
          const other = cells.get(`${x},${y}`);
          assert.equal(other, undefined, `${panel.title} overlaps ${other}`);
          cells.set(`${x},${y}`, panel.title ?? '?');
        }
      }
    }
    for (const panel of dashboardPanels(dashboard)) {
      assert.deepEqual(panel.datasource, { type: 'prometheus', uid: '${datasource}' }, `${panel.title}: datasource`);
      assert.ok(panel.targets?.length, `${panel.title}: queries`);
      for (const target of panel.targets ?? []) {
        assert.deepEqual(target.datasource, panel.datasource, `${panel.title} ${target.refId}: datasource`);
        assert.match(target.expr ?? '', /job=~"\$job"/, `${panel.title} ${target.refId}: selects the job`);
      }
    }
  });

  it('covers what an admin looks at: hosts, distribution, phases, reconciles, queue, helm and MEP', () => {
    const used = new Set(dashboardExprs(readDashboard()).flatMap(({ expr }) => metricNames(expr)));
    for (const name of ['mecm_edgehosts', 'mecm_apppackage_hosts', 'mecm_appinstances', 'controller_runtime_reconcile_total',
      'controller_runtime_reconcile_errors_total', 'controller_runtime_reconcile_time_seconds_bucket', 'workqueue_depth',
      'mecm_helm_operation_duration_seconds_bucket', 'mecm_mep_request_duration_seconds_bucket']) {
      assert.ok(used.has(name), `a panel shows ${name}`);
    }
  });
});

describe('metricNames', () => {
  const cases: Array<[string, string[]]> = [
    ['workqueue_depth', ['workqueue_depth']],
    ['sum by (reason) (mecm_edgehosts{ready!="True", reason!="x"}) > 0', ['mecm_edgehosts']],
    ['histogram_quantile(0.99, sum by (le, controller) (rate(controller_runtime_reconcile_time_seconds_bucket{job=~"$job"}[$__rate_interval])))',
      ['controller_runtime_reconcile_time_seconds_bucket']],
    ['sum by (c) (rate(a_total{job="m"}[5m])) / sum by (c) (rate(b_total[5m] offset 1h)) > 0.1', ['a_total', 'b_total']],
    ['x and on (job) y unless ignoring (le) group_left (z) w', ['w', 'x', 'y']],
    ['sum(up{name="sum(fake_metric)"}) * 1e3', ['up']],
  ];
  for (const [expr, names] of cases) {
    it(`finds ${names.join(', ')} in ${expr.slice(0, 60)}`, () => assert.deepEqual(metricNames(expr), names));
  }
});
