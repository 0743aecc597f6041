// buildRun and trainingStep (src/train/train.ts): the run and the step train() is made of, which the
// benchmark times. The step of train() is exactly trainingStep, and its gradient norm and clipping go
// through the run's kernels.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ModelSpec } from '../src/config/models.js';
import { OptimizerSpec } from '../src/config/optimizers.js';
import type { Kernels } from '../src/nn/kernels.js';
import { buildRun, train, trainingStep, type RunSpec, type StepRecord } from '../src/train/train.js';
import { jsKernels } from '../src/wasm/kernels.js';
import { sgdScalars } from '../src/optim/sgd.js';
import { adamScalars } from '../src/optim/adam.js';
import { radamScalars } from '../src/optim/radam.js';
import { rectify } from '../src/optim/rectify.js';

function rosenbrockSpec(kernels: 'js' | 'wasm'): RunSpec {
  // clipping (‖∇f(θ₀)‖ ≈ 163 > 50) and a warmup, so every part of the step is exercised
  const opt = OptimizerSpec.parse({ kind: 'radam', lr: 0.01, clip_norm: 50, schedule: { kind: 'linear-warmup', steps: 5 } });
  return { run: 'r', seed: 0, optimizer: { ...opt, name: 'radam' }, steps: 12, logEvery: 1, model: ModelSpec.parse({ kind: 'rosenbrock' }), data: undefined, eval: undefined, kernels };
}

for (const kernels of ['js', 'wasm'] as const) {
  test(`train() is buildRun + one trainingStep per step: the same numbers, bit for bit (${kernels} kernels)`, () => {
    const records: StepRecord[] = [];
    train(rosenbrockSpec(kernels), { step: (r) => records.push(r), eval: () => {}, tick: () => {} });
    const run = buildRun(rosenbrockSpec(kernels));
    records.forEach((r, k) => {
      const s = trainingStep(run, k + 1);
      assert.deepEqual(
        [s.loss, s.gradNorm, s.lr, s.update?.updateNorm, s.update?.rhoT, s.update?.rect, s.update?.adaptive],
        [r.loss, r.gradNorm, r.lr, r.updateNorm, r.rhoT, r.rect, r.adaptive],
        `step ${k + 1}`,
      );
    });
    assert.equal(records.length, 12);
  });
}

test('trainingStep measures ‖g‖ and clips through the run\'s kernels: Σg² every step, a scaling only when ‖g‖ > clip_norm', () => {
  const calls: string[] = [];
  const spy: Kernels = {
    ...jsKernels,
    sumOfSquares: (x, n) => (calls.push('sumOfSquares'), jsKernels.sumOfSquares(x, n)),
    scaleInPlace: (x, n, f) => (calls.push('scaleInPlace'), jsKernels.scaleInPlace(x, n, f)),
  };
  const run = buildRun(rosenbrockSpec('js'), spy);
  const first = trainingStep(run, 1);
  // ∇f(−1.5, 2) = (−155, −50): ‖g‖ = √26525 ≈ 162.9 > 50, so the gradient is clipped
  assert.equal(first.gradNorm, Math.sqrt(155 * 155 + 50 * 50));
  assert.deepEqual(calls, ['sumOfSquares', 'scaleInPlace']);
  const g = run.task.params.grad;
  assert.ok(Math.abs(Math.hypot(g[0]!, g[1]!) - 50) < 1e-4, 'the clipped gradient has norm clip_norm (less torch\'s 1e-6)');
  calls.length = 0;
  run.spec.optimizer.clip_norm = 1e6;
  trainingStep(run, 2);
  assert.deepEqual(calls, ['sumOfSquares']);
});

test('a step whose loss diverged stops before the update: no update report, θ unchanged', () => {
  // f = ½x², x₀ = 2, lr 2.5: the loss is 2·2.25^{t−1}, above 1e4 × 2 from step 13 (train-analytic.test.ts)
  const opt = OptimizerSpec.parse({ kind: 'sgd', lr: 2.5 });
  const model = ModelSpec.parse({ kind: 'quadratic', curvatures: [1], init: [2] });
  const run = buildRun({ run: 'b', seed: 0, optimizer: { ...opt, name: 'sgd' }, steps: 20, logEvery: 1, model, data: undefined, eval: undefined });
  for (let t = 1; t <= 12; t++) assert.equal(trainingStep(run, t).diverged, undefined, `step ${t}`);
  const before = Float32Array.from(run.task.params.data);
  const s = trainingStep(run, 13);
  assert.equal(s.update, null);
  assert.equal(s.diverged, 'loss 3.37e4 > 1e4 × initial 2');
  assert.deepEqual(run.task.params.data, before);
});

test('an optimizer refills one scalars object every step (no object per step), equal to the pure function\'s', () => {
  const seen = new Set<object>();
  const spy: Kernels = {
    ...jsKernels,
    sgdStep: (p, g, b, n, s) => (seen.add(s), jsKernels.sgdStep(p, g, b, n, s)),
    adamStep: (p, g, m, v, vmax, n, s) => (seen.add(s), jsKernels.adamStep(p, g, m, v, vmax, n, s)),
    radamStep: (p, g, m, v, n, s) => (seen.add(s), jsKernels.radamStep(p, g, m, v, n, s)),
  };
  for (const kind of ['sgd', 'adam', 'adamw', 'radam'] as const) {
    // lr 1e-4: SGD at 0.01 leaves Rosenbrock's valley within a few steps and the run would stop
    const opt = OptimizerSpec.parse({ kind, lr: 1e-4, schedule: { kind: 'linear-warmup', steps: 5 } });
    const spec: RunSpec = { ...rosenbrockSpec('js'), optimizer: { ...opt, name: kind } };
    const run = buildRun(spec, spy);
    seen.clear();
    let last: unknown;
    for (let t = 1; t <= 8; t++) {
      assert.equal(trainingStep(run, t).diverged, undefined, `${kind} step ${t}`);
      last = [...seen][0];
    }
    assert.equal(seen.size, 1, `${kind}: ${seen.size} scalars objects over 8 steps`);
    // what step 8 used is what the pure function gives for (spec, 8, lr_8), rectification included
    const lr = run.lrAt(8);
    const expected =
      opt.kind === 'sgd' ? sgdScalars(opt, 8, lr) : opt.kind === 'radam' ? radamScalars(opt, 8, lr, rectify(opt.betas[1], 8, opt.rho_threshold)) : adamScalars(opt, 8, lr);
    assert.deepEqual(last, expected, kind);
  }
});
