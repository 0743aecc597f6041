// Chart content: the Vega-Lite specs built from real output directories (and the SVG Vega renders
// from them) show what they claim — one series per optimizer, the axis titles, the RAdam threshold at
// the first rectified step, the sweep's log lr axis with diverged points marked, the variance figure.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { ConfigError } from '../src/base/errors.js';
import { buildCharts, type Chart } from '../src/report/charts/index.js';
import { readOutputDir } from '../src/results/output-data.js';
import { curvesChart } from '../src/report/charts/curves.js';
import { renderSvg } from '../src/report/report.js';
import { rosenbrockOutput, sweepOutput, thresholdsOutput, tmp, varianceOutput } from './plot-fixtures.js';

// Specs are plain JSON; tests walk them as such.
type Json = Record<string, any>;

let rosenbrock: string;
let thresholds: string;
let sweep: string;
let variance: string;

before(() => {
  const dir = tmp();
  rosenbrock = rosenbrockOutput(dir);
  thresholds = thresholdsOutput(dir);
  sweep = sweepOutput(dir);
  variance = varianceOutput(dir);
});

function chart(dir: string, name: string, opts = {}): Json {
  const charts = buildCharts(readOutputDir(dir), opts);
  const found = charts.find((c: Chart) => c.name === name);
  assert.ok(found, `no chart "${name}" among ${charts.map((c) => c.name).join(', ')}`);
  return found.spec as Json;
}

/** The layer whose mark type is `type` (and that encodes `channel` when given). */
function layer(spec: Json, type: string, channelField?: [string, string]): Json {
  const found = (spec.layer as Json[]).find(
    (l) => (typeof l.mark === 'string' ? l.mark : l.mark.type) === type && (!channelField || l.encoding?.[channelField[0]]?.field === channelField[1]),
  );
  assert.ok(found, `no ${type} layer${channelField ? ` encoding ${channelField.join('=')}` : ''}`);
  return found;
}

const seriesIn = (values: Json[]): string[] => [...new Set(values.map((v) => v.series as string))];

test('a compare directory gets train loss, the warmup picture, ρ_t, r_t and the adaptive-lr charts, in that order', () => {
  const names = buildCharts(readOutputDir(rosenbrock)).map((c) => c.name);
  // rosenbrock has no validation split (analytic objective), so no val chart
  assert.deepEqual(names, ['train-loss', 'effective-step', 'update-norm', 'grad-norm', 'rho', 'r', 'alr-mean', 'alr-cv']);
});

test('the loss chart has one series per optimizer, in config order and palette colours, with axis titles', async () => {
  const spec = chart(rosenbrock, 'train-loss', { smooth: 0 });
  const line = layer(spec, 'line');
  assert.deepEqual(line.encoding.color.scale.domain, ['sgd', 'adam', 'radam']);
  // (smoothing off: the mean line alone)
  // colorFor's order cyan, magenta, yellow
  assert.equal(line.encoding.color.scale.range.length, 3);
  assert.equal(new Set(line.encoding.color.scale.range).size, 3);
  assert.deepEqual(seriesIn(spec.data.values), ['sgd', 'adam', 'radam']);
  assert.equal(spec.encoding.x.title, 'step');
  assert.equal(line.encoding.y.title, 'train loss');
  // one seed: no band
  assert.equal(spec.layer.length, 1);
  // 50 steps, each logged, per optimizer; the first loss is f(-1.5, 2) = 12.5 for all
  assert.equal(spec.data.values.length, 150);
  for (const v of spec.data.values.filter((v: Json) => v.x === 1)) assert.equal(v.mean, 12.5);

  // and Vega draws exactly one line per optimizer
  const svg = await renderSvg(spec as never);
  const lineGroups = svg.split('aria-roledescription="line mark container"').length - 1;
  assert.equal(lineGroups, 3);
  assert.deepEqual(new Set([...svg.matchAll(/optimizer: (\w+)"/g)].map((m) => m[1])), new Set(['sgd', 'adam', 'radam']));
  assert.match(svg, />train loss</);
  assert.match(svg, />step</);
});

test('several seeds give the mean line over a min–max band', () => {
  const spec = chart(thresholds, 'train-loss', { smooth: 0 });
  const band = layer(spec, 'area');
  assert.equal(band.encoding.y.field, 'lo');
  assert.equal(band.encoding.y2.field, 'hi');
  // the mean at each step is the mean of the two seeds' rows in curves.csv
  const rows = parse(readFileSync(join(thresholds, 'curves.csv'), 'utf8'), { columns: true }) as Json[];
  const at = rows.filter((r) => r.optimizer === 'adam' && r.split === 'train' && r.step === '3').map((r) => Number(r.loss));
  assert.equal(at.length, 2);
  const point = spec.data.values.find((v: Json) => v.series === 'adam' && v.x === 3);
  assert.equal(point.mean, (at[0]! + at[1]!) / 2);
  assert.equal(point.lo, Math.min(...at));
  assert.equal(point.hi, Math.max(...at));
  assert.equal(point.runs, 2);
});

test('ρ_t: the threshold rule sits at the threshold and the step rule at the first rectified step (threshold 5 → step 6)', () => {
  const spec = chart(rosenbrock, 'rho');
  // β₂ = 0.999: ρ_t = ρ_∞ − 2tβ₂ᵗ/(1−β₂ᵗ) with ρ_∞ = 1999 gives ρ_5 ≈ 4.996 and ρ_6 ≈ 5.994, so the
  // first step with ρ_t > 5 is 6.
  const threshold = layer(spec, 'rule', ['y', 'threshold']);
  assert.deepEqual(threshold.data.values.map((m: Json) => [m.series, m.threshold]), [['radam', 5]]);
  const step = layer(spec, 'rule', ['x', 'first_rectified_step']);
  assert.deepEqual(step.data.values.map((m: Json) => [m.series, m.first_rectified_step]), [['radam', 6]]);
  // the trace agrees: adaptive = 1 first at step 6 on the RAdam rows
  const trace = parse(readFileSync(join(rosenbrock, 'trace.csv'), 'utf8'), { columns: true }) as Json[];
  assert.equal(trace.find((r) => r.optimizer === 'radam' && r.adaptive === '1')!.step, '6');
  const line = layer(spec, 'line');
  assert.equal(line.encoding.y.title, 'ρ_t');
  assert.equal(line.encoding.x.title, 'step');
  assert.deepEqual(seriesIn(line.data.values), ['radam']);
});

test('each RAdam gets its own threshold: 4 (the paper) rectifies from step 5, 5 (torch) from step 6', () => {
  const spec = chart(thresholds, 'rho');
  // ρ_5 ≈ 4.996 > 4 but ≤ 5. Steps are logged every 3rd (1, 3, 6, …): step 5 is not a logged step, so
  // the mark must come from summary.csv's first_adaptive_step, not from the first logged adaptive row.
  const step = layer(spec, 'rule', ['x', 'first_rectified_step']);
  assert.deepEqual(
    step.data.values.map((m: Json) => [m.series, m.threshold, m.first_rectified_step]),
    [
      ['radam5', 5, 6],
      ['radam4', 4, 5],
    ],
  );
  // colours follow the optimizers' positions in the config (adam is first), not their position here
  const line = layer(spec, 'line');
  const loss = layer(chart(thresholds, 'train-loss', { smooth: 0 }), 'line');
  assert.deepEqual(line.encoding.color.scale.domain, ['radam5', 'radam4']);
  assert.deepEqual(line.encoding.color.scale.range, loss.encoding.color.scale.range.slice(1));
  const r = chart(thresholds, 'r');
  assert.deepEqual(layer(r, 'rule').data.values.map((m: Json) => m.first_rectified_step), [6, 5]);
  assert.equal(layer(r, 'line').encoding.y.title, 'r_t');
});

test('the adaptive learning-rate charts show the Adam-family rows only', () => {
  const mean = chart(rosenbrock, 'alr-mean');
  assert.deepEqual(seriesIn(mean.data.values), ['adam', 'radam']);
  assert.equal(layer(mean, 'line').encoding.y.title, 'mean ψ_t');
  const cv = chart(rosenbrock, 'alr-cv');
  assert.deepEqual(seriesIn(cv.data.values), ['adam', 'radam']);
  assert.equal(layer(cv, 'line').encoding.y.title, 'CV of ψ_t');
});

test("the train curve is smoothed by default: TensorBoard's debiased EMA with weight 0.6, the raw curve faint behind", () => {
  const spec = chart(rosenbrock, 'train-loss');
  const rows = parse(readFileSync(join(rosenbrock, 'curves.csv'), 'utf8'), { columns: true }) as Json[];
  const adam = rows.filter((r) => r.optimizer === 'adam' && r.split === 'train').map((r) => Number(r.loss));
  // s_t = 0.6·s_{t−1} + 0.4·x_t from s_0 = 0, shown as s_t / (1 − 0.6ᵗ): at t = 1 that is x_1 itself
  let s = 0;
  const expected = adam.map((x, i) => {
    s = 0.6 * s + 0.4 * x;
    return s / (1 - 0.6 ** (i + 1));
  });
  assert.equal(expected[0], adam[0]);
  const got = (spec.data.values as Json[]).filter((v) => v.series === 'adam').sort((a, b) => a.x - b.x);
  assert.equal(got.length, adam.length);
  got.forEach((v, i) => {
    assert.ok(Math.abs(v.mean - expected[i]!) <= 1e-12 * Math.abs(expected[i]!), `step ${v.x}: ${v.mean} vs ${expected[i]}`);
    assert.equal(v.raw, adam[i]);
  });
  // two lines: the raw (faint) behind the smoothed
  const lines = (spec.layer as Json[]).filter((l) => l.mark.type === 'line');
  assert.deepEqual(lines.map((l) => l.encoding.y.field), ['raw', 'mean']);
  assert.ok(lines[0]!.mark.opacity < 0.5);
  // in the series' own colour, unscaled (so without a legend of its own)
  assert.equal(lines[0]!.encoding.stroke.scale, null);
  const { domain, range } = lines[1]!.encoding.color.scale;
  for (const v of spec.data.values as Json[]) assert.equal(v.rawColor, range[domain.indexOf(v.series)]);
  assert.ok(spec.title.subtitle.some((t: string) => t.includes('debiased EMA, weight 0.6')));
});

test('--smooth W sets the EMA weight; 0 draws the raw curve alone', () => {
  const rows = [3, 1, 2].map((loss, i) => ({ run: 'a', optimizer: 'adam', seed: 0, step: i + 1, split: 'train', loss, accuracy: NaN }));
  const values = (w: number): number[] => (curvesChart(rows, 'train', ['adam'], { smooth: w }).spec as Json).data.values.map((v: Json) => v.mean);
  // w = 0.5: s = 1.5, 1.25, 1.625; debiased by 1 − 0.5ᵗ = 0.5, 0.75, 0.875 → 3, 5/3, 13/7
  const got = values(0.5);
  [3, 5 / 3, 13 / 7].forEach((e, i) => assert.ok(Math.abs(got[i]! - e) < 1e-12, `${got[i]} vs ${e}`));
  assert.deepEqual(values(0), [3, 1, 2]);
  const off = curvesChart(rows, 'train', ['adam'], { smooth: 0 }).spec as Json;
  assert.equal(off.layer.length, 1);
  // a diverged (Infinity) loss is passed through and not counted, as TensorBoard does
  const withInf = [2, Infinity, 4].map((loss, i) => ({ ...rows[0]!, step: i + 1, loss }));
  const inf = (curvesChart(withInf, 'train', ['adam'], { smooth: 0.5 }).spec as Json).data.values.map((v: Json) => v.mean);
  // s = 1, (skip), 0.5 + 2 = 2.5 over 1 − 0.25 → 10/3; the Infinity itself is left out of the mean line
  assert.equal(inf.length, 2);
  assert.equal(inf[0], 2);
  assert.ok(Math.abs(inf[1] - 10 / 3) < 1e-12, `${inf[1]}`);
});

test('seed bands only up to four series; beyond, the mean lines alone', () => {
  const rows = (n: number): Json[] =>
    Array.from({ length: n }, (_, k) => `o${k}`).flatMap((optimizer) => [0, 1].flatMap((seed) => [1, 2].map((step) => ({ run: `${optimizer}-s${seed}`, optimizer, seed, step, split: 'train', loss: step + seed, accuracy: NaN }))));
  const marks = (n: number): string[] => ((curvesChart(rows(n) as never, 'train', Array.from({ length: n }, (_, k) => `o${k}`), { smooth: 0 }).spec as Json).layer as Json[]).map((l) => l.mark.type);
  assert.deepEqual(marks(4), ['area', 'line']);
  assert.deepEqual(marks(5), ['line']);
  const spec = curvesChart(rows(5) as never, 'train', Array.from({ length: 5 }, (_, k) => `o${k}`), { smooth: 0 }).spec as Json;
  assert.ok(spec.title.subtitle.some((t: string) => t.includes('no bands: more than 4 series')));
});

test('--log-y forces a log axis; the default picks one only when losses span two decades', () => {
  // rosenbrock over 50 steps: losses between ~4 and 12.5, less than two decades
  assert.equal(layer(chart(rosenbrock, 'train-loss'), 'line').encoding.y.scale.type, undefined);
  assert.equal(layer(chart(rosenbrock, 'train-loss', { logY: true }), 'line').encoding.y.scale.type, 'log');
});

test('--log-steps puts every chart over steps on a log step axis; by default the loss axis is linear', () => {
  const names = ['train-loss', 'effective-step', 'update-norm', 'grad-norm', 'rho', 'r', 'alr-mean', 'alr-cv'];
  const xOf = (spec: Json): Json => spec.encoding?.x ?? (spec.layer as Json[]).find((l) => l.encoding?.x)!.encoding.x;
  const charts = buildCharts(readOutputDir(rosenbrock), { logSteps: true });
  for (const name of names) {
    const spec = charts.find((c) => c.name === name)!.spec as Json;
    assert.equal(xOf(spec).scale?.type, 'log', name);
    // the axis ends at the last step (50), not at the next decade
    assert.equal(xOf(spec).scale?.nice, false, name);
  }
  // 50 steps span less than two decades: without the flag every step axis is linear
  for (const c of buildCharts(readOutputDir(rosenbrock))) if (names.includes(c.name)) assert.equal(xOf(c.spec as Json).scale?.type, undefined, c.name);
});

test('bad options are ConfigErrors with a one-line message', () => {
  const data = readOutputDir(rosenbrock);
  assert.throws(() => buildCharts(data, { metric: 'perplexity' }), (e: unknown) => e instanceof ConfigError && /^--metric: expected loss or accuracy, got "perplexity"$/.test(e.message));
  assert.throws(() => buildCharts(data, { metric: 'accuracy' }), (e: unknown) => e instanceof ConfigError && /expected accuracy values/.test(e.message) && !e.message.includes('\n'));
  assert.throws(() => buildCharts(data, { smooth: 1 }), (e: unknown) => e instanceof ConfigError && /^--smooth: expected a weight in \[0, 1\)/.test(e.message));
  assert.throws(() => buildCharts(data, { smooth: -0.1 }), (e: unknown) => e instanceof ConfigError && /^--smooth: expected a weight in \[0, 1\)/.test(e.message));
});

test('a sweep gets the lr robustness curve on a log lr axis, with diverged learning rates marked', () => {
  const names = buildCharts(readOutputDir(sweep)).map((c) => c.name);
  assert.deepEqual(names, ['lr-robustness', 'best-train-loss']); // one parameter: no heatmap
  const spec = chart(sweep, 'lr-robustness');
  assert.equal(spec.encoding.x.field, 'lr');
  assert.equal(spec.encoding.x.scale.type, 'log');
  assert.equal(spec.encoding.x.title, 'learning rate');
  assert.equal(spec.encoding.y.title, 'final train loss (mean ± std over seeds)');
  assert.deepEqual(spec.encoding.color.scale.domain, ['sgd', 'radam']);
  const values = spec.data.values as Json[];
  // 2 optimizers × 3 learning rates; SGD at lr 1 diverged on every seed (empty mean in lr_robustness.csv)
  assert.equal(values.length, 6);
  const diverged = values.filter((v) => v.outcome === 'every run diverged');
  assert.deepEqual(diverged.map((v) => [v.series, v.lr]), [['sgd', 1]]);
  const finite = values.filter((v) => v.outcome !== 'every run diverged').map((v) => v.loss as number);
  assert.ok(diverged[0]!.loss > Math.max(...finite), 'diverged marks sit above every finite loss');
  // the line joins the finite points only; the points layer shapes diverged ones as crosses
  const points = layer(spec, 'point');
  assert.deepEqual(points.encoding.shape.scale.range, ['circle', 'cross']);
});

test("a sweep's best-point curves: one series per optimizer, labelled with its best point", () => {
  const best = (JSON.parse(readFileSync(join(sweep, 'sweep_summary.json'), 'utf8')) as { best: { optimizer: string; lr: number }[] }).best;
  const spec = chart(sweep, 'best-train-loss', { smooth: 0 });
  assert.deepEqual(layer(spec, 'line').encoding.color.scale.domain, best.map((b) => `${b.optimizer} · lr=${b.lr}`));
  // two seeds per point: mean over a band
  assert.ok(spec.data.values.every((v: Json) => v.runs === 2));
  layer(spec, 'area');
});

test('the variance figure: simulated and approximate Var[ψ_t] per β₂ on a log y axis', () => {
  const spec = chart(variance, 'variance');
  assert.equal(spec.encoding.y.scale.type, 'log');
  assert.equal(spec.encoding.y.title, 'Var[ψ_t]');
  assert.deepEqual(spec.encoding.color.scale.domain, ['β₂ = 0.99', 'β₂ = 0.999']);
  assert.deepEqual(spec.encoding.strokeDash.scale.domain, ['simulated', 'approximation']);
  const values = spec.data.values as Json[];
  // the approximation exists only where ρ_t > 4: for β₂ = 0.999 from t = 5 (ρ_5 ≈ 4.996)
  const approx = values.filter((v) => v.beta2 === 'β₂ = 0.999' && v.quantity === 'approximation').map((v) => v.t as number);
  assert.equal(Math.min(...approx), 5);
  assert.equal(values.filter((v) => v.beta2 === 'β₂ = 0.999' && v.quantity === 'simulated').length, 200);
  assert.deepEqual(buildCharts(readOutputDir(variance)).map((c) => c.name), ['variance', 'variance-r']);
});

test('validation curves get their own chart, with points on their sparse evaluations', () => {
  // two optimizers, one seed, validation after steps 10 and 20: built in memory (the analytic models
  // of the fixtures have no validation split)
  const rows = ['sgd', 'adam'].flatMap((optimizer, k) =>
    [10, 20].map((step) => ({ run: `${optimizer}-s0`, optimizer, seed: 0, step, split: 'val', loss: 1 / step + k, accuracy: 0.5 + step / 100 })),
  );
  const spec = curvesChart(rows, 'val', ['sgd', 'adam'], { metric: 'accuracy' }).spec as Json;
  const line = layer(spec, 'line');
  assert.equal(line.mark.point, true);
  assert.equal(line.encoding.y.title, 'validation accuracy');
  assert.deepEqual(spec.data.values.map((v: Json) => [v.series, v.x, v.mean]), [
    ['sgd', 10, 0.6],
    ['sgd', 20, 0.7],
    ['adam', 10, 0.6],
    ['adam', 20, 0.7],
  ]);
  assert.equal(spec.title.text, 'Validation accuracy');
});

test('test-set curves (eval.test) get their own chart after the validation one, titled for the test set', () => {
  // one optimizer: validation and test after steps 10 and 20, the test accuracy 0.1 below validation's
  const rows = (['val', 'test'] as const).flatMap((split, k) =>
    [10, 20].map((step) => ({ run: 'adam-s0', optimizer: 'adam', seed: 0, step, split, loss: 1 / step, accuracy: 0.6 + step / 100 - 0.1 * k })),
  );
  const spec = curvesChart(rows, 'test', ['adam'], { metric: 'accuracy' }).spec as Json;
  assert.equal(spec.title.text, 'Test accuracy');
  assert.equal(layer(spec, 'line').encoding.y.title, 'test accuracy');
  // only the test rows: 0.6 + 0.1 − 0.1 and 0.6 + 0.2 − 0.1
  assert.deepEqual(spec.data.values.map((v: Json) => [v.x, +v.mean.toFixed(12)]), [[10, 0.6], [20, 0.7]]);
});

test('a long run (200 000 logged steps) gets its charts: no Math.max(...steps) to overflow the call stack', () => {
  // loss 100/t falls from 100 to 5e-4: over two decades, so the axis is log (wantsLog saw every value)
  const steps = 200_000;
  const rows = Array.from({ length: steps }, (_, i) => ({ run: 'adam-s0', optimizer: 'adam', seed: 0, step: i + 1, split: 'train', loss: 100 / (i + 1), accuracy: NaN }));
  const spec = curvesChart(rows, 'train', ['adam'], { smooth: 0 }).spec as Json;
  assert.equal(spec.data.values.length, steps);
  assert.equal(layer(spec, 'line').encoding.y.scale.type, 'log');
  // one seed: no band, and no "mean over seeds" line in the subtitle
  assert.equal((spec.layer as Json[]).length, 1);
});
