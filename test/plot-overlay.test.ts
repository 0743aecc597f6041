// `plot DIR DIR …`: several outputs in one report, runs and optimizers labelled by directory; a sweep
// contributes its best points' curves and its robustness rows; several directories need --out, and a
// refused overlay writes nothing.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../src/base/errors.js';
import { plotCommand } from '../src/cli/plot.js';
import { buildCharts } from '../src/report/charts/index.js';
import { dirLabels, overlayData } from '../src/report/charts/overlay.js';
import { writeReport } from '../src/report/report.js';
import { readOutputDir } from '../src/results/output-data.js';
import { rosenbrockOutput, sweepOutput, thresholdsOutput, tmp, treeHash, varianceOutput } from './plot-fixtures.js';

type Json = Record<string, any>;

/** The outputs overlaid: two compares, a sweep, and a variance (which cannot be). */
const out = { rosenbrock: '', thresholds: '', sweep: '', variance: '' };

before(() => {
  const dir = tmp('radam-overlay-');
  Object.assign(out, { rosenbrock: rosenbrockOutput(dir), thresholds: thresholdsOutput(dir), sweep: sweepOutput(dir), variance: varianceOutput(dir) });
});

const seriesOf = (spec: Json): string[] => (spec.layer as Json[]).find((l) => l.mark.type === 'line' && l.encoding.y.field === 'mean')!.encoding.color.scale.domain;

test('labels: the directory name, or enough of its path to tell directories apart', () => {
  assert.deepEqual(dirLabels(['runs/a', 'runs/b']), ['a', 'b']);
  assert.deepEqual(dirLabels(['x/out', 'y/out']), ['x/out', 'y/out']);
  assert.deepEqual(dirLabels(['/r/a', '/r/a']), ['a#1', 'a#2']);
});

test('two compares and a sweep: every series labelled by its directory, in one set of charts', () => {
  const data = overlayData([out.rosenbrock, out.thresholds, out.sweep].map(readOutputDir));
  // runs too: "rosenbrock/sgd-…"
  assert.ok(data.compare!.curves.every((c) => /^(rosenbrock|thresholds|sweep)\//.test(c.run)));
  const charts = buildCharts(data);
  assert.deepEqual(charts.map((c) => c.name), ['train-loss', 'effective-step', 'update-norm', 'grad-norm', 'rho', 'r', 'alr-mean', 'alr-cv', 'lr-robustness']);
  const best = (JSON.parse(readFileSync(join(out.sweep, 'sweep_summary.json'), 'utf8')) as { best: { optimizer: string; lr: number }[] }).best;
  const train = charts[0]!.spec as Json;
  assert.deepEqual(seriesOf(train), [
    'rosenbrock/sgd',
    'rosenbrock/adam',
    'rosenbrock/radam',
    'thresholds/adam',
    'thresholds/radam5',
    'thresholds/radam4',
    ...best.map((b) => `sweep/${b.optimizer} · lr=${b.lr}`),
  ]);
  // eight series, eight colours; dashes by family (the sweep's from its optimizer's name)
  const line = (train.layer as Json[]).at(-1)!;
  assert.equal(new Set(line.encoding.color.scale.range).size, 8);
  assert.deepEqual(line.encoding.strokeDash.scale.range.map((d: number[]) => d.join(',')), ['2,2', '7,3', '1,0', '7,3', '1,0', '1,0', ...best.map((b) => (b.optimizer === 'sgd' ? '2,2' : '1,0'))]);
  // each RAdam keeps its own threshold and first rectified step
  const rho = (charts.find((c) => c.name === 'rho')!.spec as Json).layer as Json[];
  const rule = rho.find((l) => l.mark.type === 'rule' && l.encoding.x?.field === 'first_rectified_step')!;
  assert.deepEqual(rule.data.values.map((m: Json) => [m.series, m.first_rectified_step]), [
    ['rosenbrock/radam', 6],
    ['thresholds/radam5', 6],
    ['thresholds/radam4', 5],
  ]);
  const robustness = charts.find((c) => c.name === 'lr-robustness')!.spec as Json;
  assert.deepEqual([...new Set((robustness.data.values as Json[]).map((v) => v.series))], ['sweep/sgd', 'sweep/radam']);
});

test('several directories need --out; refused, nothing is written', async () => {
  const hashes = [out.rosenbrock, out.thresholds].map(treeHash);
  await assert.rejects(plotCommand([out.rosenbrock, out.thresholds], {}), (e: unknown) => e instanceof ConfigError && /expected --out FILE for the report of several directories, got none$/.test(e.message));
  await assert.rejects(writeReport([out.rosenbrock, out.variance], { out: join(tmp(), 'x.html') }), (e: unknown) => e instanceof ConfigError && /got a variance output \(plot it on its own\)$/.test(e.message));
  assert.deepEqual([out.rosenbrock, out.thresholds].map(treeHash), hashes);
});

test('plot DIR DIR --out FILE writes one report: its runs table says which directory each run is from', async () => {
  const file = join(tmp(), 'both', 'both.html');
  const { html, svgs } = await writeReport([out.rosenbrock, out.thresholds], { out: file });
  assert.equal(html, file);
  assert.equal(svgs.length, 8);
  const page = readFileSync(html, 'utf8');
  assert.match(page, /<title>rosenbrock \+ thresholds — radam-run report<\/title>/);
  assert.match(page, /<thead><tr><th>diverged<\/th><th>dir<\/th><th>run<\/th>/);
  assert.match(page, /<td>thresholds<\/td><td>radam4-s1<\/td>/);
  assert.match(page, /<section id="config"><h2>Sources<\/h2>/);
  assert.ok(!existsSync(join(out.rosenbrock, 'both.html')));
});
