// A sweep's report: the lr-robustness curve with ± std error bars (the std of the point each lr's mean
// comes from), a heatmap for a sweep over two parameters, the base configuration; report tables lead
// with the outcome column (claims' status, runs' diverged) and wrap instead of scrolling.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { buildCharts } from '../src/report/charts/index.js';
import { renderSvg, writeReport } from '../src/report/report.js';
import { readOutputDir } from '../src/results/output-data.js';
import { reproduceOutput, sweepOutput, tmp } from './plot-fixtures.js';

type Json = Record<string, any>;

let sweep: string;
let grid: string;
let reproduce: string;

before(() => {
  const dir = tmp('radam-sweep-charts-');
  sweep = sweepOutput(dir);
  reproduce = reproduceOutput(dir);
  // lr × steps: SGD diverges at lr 1 (as in sweepOutput) at both lengths
  grid = sweepOutput(dir, { steps: [30, 60] }, 'grid');
});

const csv = (file: string): Json[] => parse(readFileSync(file, 'utf8'), { columns: true }) as Json[];

test('lr robustness: each finite point has an error bar of ± its std over seeds from sweep_summary.csv', async () => {
  const spec = buildCharts(readOutputDir(sweep)).find((c) => c.name === 'lr-robustness')!.spec as Json;
  const points = csv(join(sweep, 'sweep_summary.csv'));
  const finite = (spec.data.values as Json[]).filter((v) => v.outcome === 'final loss');
  assert.equal(finite.length, 5);
  for (const v of finite) {
    // the sweep has one parameter (lr), so the point at (optimizer, lr) is the row itself
    const row = points.find((p) => p.optimizer === v.series && Number(p.lr) === v.lr)!;
    const [mean, std] = [Number(row.final_train_loss_mean), Number(row.final_train_loss_std)];
    assert.equal(v.loss, mean);
    assert.equal(v.std, std);
    assert.equal(v.hi, mean + std);
    // a log axis (the losses span two decades) keeps the bar's low end above zero
    assert.equal(v.lo, Math.max(mean - std, mean / 100));
  }
  const rule = (spec.layer as Json[]).find((l) => l.mark.type === 'rule')!;
  assert.deepEqual([rule.encoding.y.field, rule.encoding.y2.field], ['lo', 'hi']);
  const svg = await renderSvg(spec as never);
  const rules = svg.split('aria-roledescription="rule mark"').length - 1;
  assert.equal(rules, finite.length);
});

test('a sweep over two parameters gets a heatmap per optimizer: one cell per point, "div" where a run diverged', async () => {
  const charts = buildCharts(readOutputDir(grid));
  assert.deepEqual(charts.map((c) => c.name), ['lr-robustness', 'sweep-heatmap', 'best-train-loss']);
  const spec = charts[1]!.spec as Json;
  const points = csv(join(grid, 'sweep_summary.csv'));
  const values = spec.data.values as Json[];
  assert.equal(values.length, points.length);
  assert.equal(points.length, 2 * 3 * 2);
  for (const p of points) {
    const cell = values.find((v) => v.series === p.optimizer && v.a === p.lr && v.b === p.steps)!;
    if (Number(p.diverged) > 0) assert.equal(cell.label, 'div');
    else assert.equal(Number(cell.label), Number(Number(p.final_train_loss_mean).toPrecision(3)));
  }
  assert.deepEqual(spec.facet.column.sort, ['sgd', 'radam']);
  const diverged = points.filter((p) => Number(p.diverged) > 0).length;
  assert.equal(diverged, 2);
  const svg = await renderSvg(spec as never);
  assert.equal(svg.split('>div<').length - 1, diverged);
  // a one-parameter sweep has none
  assert.ok(!buildCharts(readOutputDir(sweep)).some((c) => c.name === 'sweep-heatmap'));
});

test("the sweep report shows the base configuration: the shared spec and each optimizer's resolved options", async () => {
  const page = readFileSync((await writeReport(grid)).html, 'utf8');
  assert.match(page, /Base configuration/);
  const pre = /Base configuration[\s\S]*?<pre>([\s\S]*?)<\/pre>/.exec(page)![1]!;
  // defaults filled in (momentum from the config, dampening and rho_threshold from the schema)
  assert.match(pre, /curvatures:/);
  assert.match(pre, /momentum: 0\.9/);
  assert.match(pre, /dampening: 0/);
  assert.match(pre, /rho_threshold: 5/);
});

test('report tables lead with the outcome and may wrap: status first in claims, diverged first in runs', async () => {
  const page = readFileSync((await writeReport(reproduce)).html, 'utf8');
  const claims = /<section id="claims">[\s\S]*?<\/section>/.exec(page)![0];
  assert.match(claims, /<thead><tr><th>status<\/th><th>claim<\/th>/);
  assert.match(claims, /<tr class="pass"><td class="status">PASS<\/td><td>radam rectifies from step 6<\/td>/);
  const runs = /Runs \(summary\.csv\)[\s\S]*?<thead><tr>([\s\S]*?)<\/tr>/.exec(page)![1]!;
  assert.match(runs, /^<th>diverged<\/th><th>run<\/th>/);
  // long column names may break after an underscore; only numbers are kept on one line
  assert.match(runs, /<th>final_<wbr>train_<wbr>loss<\/th>/);
  const style = /<style>([\s\S]*?)<\/style>/.exec(page)![1]!;
  assert.deepEqual(style.match(/[^{}]*\{[^}]*white-space: nowrap[^}]*\}/g)?.map((r) => r.trim().split(' {')[0]), ['td.num']);
});
