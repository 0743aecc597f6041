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
  const run = buildRun(rosenbrockSpec('js'));
  const calls: string[] = [];
  const spy: Kernels = {
    ...jsKernels,
    sumOfSquares: (x, n) => (calls.push('sumOfSquares'), jsKernels.sumOfSquares(x, n)),
    scaleInPlace: (x, n, f) => (calls.push('scaleInPlace'), jsKernels.scaleInPlace(x, n, f)),
  };
  run.kernels = spy;
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
