// The warmup picture: the effective step size (Adam's warmed-up lr_t against RAdam's lr_t·r_t) beside
// ‖Δθ_t‖ and ‖g_t‖, and r_t drawn so that it leaves zero at the first rectified step even when the
// trace is logged sparsely (every 10th step: logged 1, 10, 20, … while RAdam rectifies from step 6).
// Runs now log every step of the rectification window whatever log_every says (src/train/train.ts),
// so the sparse trace is the compare's output thinned to what log_every: 10 wrote before that, as an
// older result directory holds it.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { stringify } from 'yaml';
import { buildCharts } from '../src/report/charts/index.js';
import { renderSvg } from '../src/report/report.js';
import { readOutputDir } from '../src/results/output-data.js';
import { cli, tmp } from './plot-fixtures.js';

type Json = Record<string, any>;

let dir: string;
const LR = 0.1;
const WARMUP = 20;

before(() => {
  const work = tmp('radam-warmup-');
  const config = join(work, 'warmup.yaml');
  writeFileSync(
    config,
    stringify({
      name: 'warmup',
      steps: 60,
      log_every: 10,
      model: { kind: 'quadratic', curvatures: [0.5, 5], init: [2, -2], noise: 0.3 },
      optimizers: [
        { kind: 'sgd', lr: 0.01 },
        { kind: 'adam', name: 'adam-warmup', lr: LR, schedule: { kind: 'linear-warmup', steps: WARMUP } },
        { kind: 'radam', lr: LR },
      ],
    }),
  );
  dir = join(work, 'out');
  const r = cli(['compare', config, '--out', dir, '-q', '-w', '1']);
  assert.equal(r.code, 0, r.stderr);
  for (const file of ['curves.csv', 'trace.csv']) thinToEvery10th(join(dir, file));
});

/** Keep the header and the rows of steps 1, 10, 20, … (step is the 4th column of curves.csv and trace.csv). */
function thinToEvery10th(file: string): void {
  const [header, ...rows] = readFileSync(file, 'utf8').trimEnd().split('\n');
  assert.equal(header!.split(',')[3], 'step');
  const kept = rows.filter((row) => {
    const step = Number(row.split(',')[3]);
    return step === 1 || step % 10 === 0;
  });
  assert.ok(kept.length < rows.length, `${file}: logged densely, so there is something to thin`);
  writeFileSync(file, [header, ...kept].join('\n') + '\n');
}

function chart(name: string, opts = {}): Json {
  const found = buildCharts(readOutputDir(dir), opts).find((c) => c.name === name);
  assert.ok(found, `no chart ${name}`);
  return found.spec as Json;
}

/** r_t of the paper (eq. 6–8) with β₂ = 0.999 and torch's threshold ρ_t > 5; 0 before it. */
function rT(t: number, beta2 = 0.999): number {
  const rhoInf = 2 / (1 - beta2) - 1;
  const rho = rhoInf - (2 * t * beta2 ** t) / (1 - beta2 ** t);
  return rho > 5 ? Math.sqrt(((rho - 4) * (rho - 2) * rhoInf) / ((rhoInf - 4) * (rhoInf - 2) * rho)) : 0;
}

const pointsOf = (values: Json[], series: string): [number, number][] => values.filter((v) => v.series === series).map((v) => [v.step, v.value]);

test("effective step size: Adam's linear warmup lr·min(1, t/20) against RAdam's lr·r_t; SGD left out", () => {
  const spec = chart('effective-step');
  const values = spec.data.values as Json[];
  assert.deepEqual([...new Set(values.map((v) => v.series))], ['adam-warmup', 'radam']);
  const logged = [1, 10, 20, 30, 40, 50, 60];
  const adam = pointsOf(values, 'adam-warmup');
  assert.deepEqual(adam.map(([s]) => s), logged);
  adam.forEach(([t, v]) => assert.ok(Math.abs(v - LR * Math.min(1, t / WARMUP)) < 1e-12, `adam at ${t}: ${v}`));
  // RAdam: 0 at step 1, the known 0 at step 5 (the last un-rectified step), then lr·r_t
  const radam = pointsOf(values, 'radam');
  assert.deepEqual(radam.map(([s]) => s), [1, 5, ...logged.slice(1)]);
  radam.forEach(([t, v]) => assert.ok(Math.abs(v - LR * rT(t)) <= 1e-9 * LR, `radam at ${t}: ${v} vs ${LR * rT(t)}`));
  assert.equal(rT(5), 0);
  assert.ok(rT(6) > 0);
  assert.equal(spec.mark.interpolate, 'linear');
  // dashes: Adam-like dashed, RAdam solid
  assert.deepEqual(spec.encoding.strokeDash.scale.range, [[7, 3], [1, 0]]);
});

test('‖Δθ_t‖ and ‖g_t‖: trace.csv update_norm and grad_norm of every optimizer (‖g_t‖ smoothed as the loss, the raw values faint)', async () => {
  const rows = parse(readFileSync(join(dir, 'trace.csv'), 'utf8'), { columns: true }) as Json[];
  for (const [name, column] of [
    ['update-norm', 'update_norm'],
    ['grad-norm', 'grad_norm'],
  ] as const) {
    const spec = chart(name, { smooth: 0 });
    const values = spec.data.values as Json[];
    // ‖g_t‖ smoothed by default (the unsmoothed value rides along as `raw`), ‖Δθ_t‖ drawn as logged
    const byDefault = chart(name).data.values as Json[];
    assert.deepEqual([...new Set(values.map((v) => v.series))], ['sgd', 'adam-warmup', 'radam']);
    for (const r of rows) {
      const v = values.find((x) => x.series === r.optimizer && x.x === Number(r.step));
      assert.ok(v, `${name}: ${r.optimizer} step ${r.step}`);
      assert.equal(v.mean, Number(r[column]));
      const d = byDefault.find((x) => x.series === r.optimizer && x.x === Number(r.step))!;
      if (column === 'grad_norm') assert.equal(d.raw, Number(r[column]));
      else assert.deepEqual([d.mean, d.raw], [Number(r[column]), undefined]);
    }
    const svg = await renderSvg(spec as never);
    assert.equal(svg.split('aria-roledescription="line mark container"').length - 1, 3, name);
  }
});

test('r_t is drawn linearly and leaves zero at the first rectified step (6), not at the next logged step (10)', async () => {
  const spec = chart('r');
  const line = (spec.layer as Json[]).find((l) => l.mark.type === 'line')!;
  assert.equal(line.mark.interpolate, 'linear');
  const radam = pointsOf(line.data.values, 'radam');
  // step 5 added: r_5 = 0 is known (ρ_5 ≈ 4.996 ≤ 5), so the line rises between steps 5 and 10
  assert.deepEqual(radam.slice(0, 3).map(([s, v]) => [s, v > 0]), [[1, false], [5, false], [10, true]]);
  const rule = (spec.layer as Json[]).find((l) => l.mark.type === 'rule')!;
  assert.deepEqual(rule.data.values.map((m: Json) => m.first_rectified_step), [6]);
  // and Vega draws it: one vertex per point (8), not a staircase (step-after doubles the vertices)
  const svg = await renderSvg(spec as never);
  const container = svg.split('aria-roledescription="line mark container"')[1]!;
  const path = /<path[^>]*\sd="([^"]+)"/.exec(container)![1]!;
  assert.equal(path.split(/[ML]/).filter(Boolean).length, radam.length);
});
