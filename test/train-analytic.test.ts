// Analytic objectives and the train loop on them: gradients against central finite differences,
// hand-checkable SGD traces on a quadratic, seeded gradient noise, global-norm clipping as torch's
// clip_grad_norm_, schedule wiring, and RAdam's first adaptive step in the run summary.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { z } from 'zod';
import { OptimizerSpec } from '../src/config/optimizers.js';
import { ModelSpec } from '../src/config/models.js';
import { Arena } from '../src/nn/arena.js';
import { jsKernels } from '../src/wasm/kernels.js';
import { buildTask } from '../src/models/build.js';
import type { Task } from '../src/models/task.js';
import { train, type RunSpec, type RunSummary, type StepRecord } from '../src/train/train.js';
import { assertClose } from './helpers.js';

// ---- helpers ----------------------------------------------------------------------------------

function task(model: z.input<typeof ModelSpec>, seed = 0): Task {
  const spec = ModelSpec.parse(model);
  return Arena.build((arena) => buildTask(spec, undefined, arena, seed), jsKernels).value;
}

/** Loss and gradient at x (x must be float32-representable to be evaluated exactly there). */
function evaluate(tk: Task, x: readonly number[]): { loss: number; grad: number[] } {
  tk.params.data.set(x);
  const { loss } = tk.trainStep(1);
  return { loss, grad: Array.from(tk.params.grad) };
}

/**
 * Central differences (f(x + h·eᵢ) − f(x − h·eᵢ))/2h with h = 2⁻¹²: x ± h is exact in float32 for the
 * dyadic points used below, and the truncation error h²f'''/6 is below 1e-4 for these objectives.
 */
function centralDifferences(tk: Task, x: readonly number[]): number[] {
  const h = 2 ** -12;
  return x.map((_, i) => {
    const plus = [...x];
    const minus = [...x];
    plus[i]! += h;
    minus[i]! -= h;
    return (evaluate(tk, plus).loss - evaluate(tk, minus).loss) / (2 * h);
  });
}

function assertGradientMatchesDifferences(model: z.input<typeof ModelSpec>, points: number[][]): void {
  const tk = task(model);
  for (const x of points) {
    const numeric = centralDifferences(tk, x);
    const { grad } = evaluate(tk, x);
    grad.forEach((g, i) => assertClose(g, numeric[i]!, 1e-6, 1e-4, `∂f/∂x${i} at [${x.join(', ')}]`));
  }
}

function runSpec(model: z.input<typeof ModelSpec>, optimizer: z.input<typeof OptimizerSpec>, steps: number, seed = 0): RunSpec {
  const opt = OptimizerSpec.parse(optimizer);
  return {
    run: 'test',
    seed,
    optimizer: { ...opt, name: opt.name ?? opt.kind },
    steps,
    logEvery: 1,
    model: ModelSpec.parse(model),
    data: undefined,
    eval: undefined,
  };
}

function trainCollect(spec: RunSpec): { records: StepRecord[]; summary: RunSummary } {
  const records: StepRecord[] = [];
  const summary = train(spec, { step: (r) => records.push(r), eval: () => {}, tick: () => {} });
  return { records, summary };
}

// ---- objectives -------------------------------------------------------------------------------

test('Rosenbrock at its default start (−1.5, 2): f = 12.5, ∇f = (−155, −50)', () => {
  // r = y − x² = −0.25; f = (1 − x)² + 100r² = 6.25 + 6.25
  // ∂f/∂x = −2(1 − x) − 400x·r = −5 − 150;  ∂f/∂y = 200r = −50
  const tk = task({ kind: 'rosenbrock' });
  const { loss, grad } = evaluate(tk, [-1.5, 2]);
  assertClose(loss, 12.5, 1e-12);
  assert.deepEqual(grad, [-155, -50]);
});

test('Rosenbrock has zero loss and zero gradient at its minimum (1, 1)', () => {
  const { loss, grad } = evaluate(task({ kind: 'rosenbrock' }), [1, 1]);
  assert.equal(loss, 0);
  assert.ok(grad.every((g) => g === 0), `gradient [${grad.join(', ')}]`);
});

test('the Rosenbrock gradient matches central differences', () => {
  assertGradientMatchesDifferences({ kind: 'rosenbrock' }, [
    [-1.25, 1.5],
    [0.75, -0.5],
    [1.5, 2.25],
    [0.0625, 0.125],
  ]);
});

test('the quadratic gradient matches central differences', () => {
  const model = { kind: 'quadratic' as const, curvatures: [1, 4, 0.25], init: [0, 0, 0] };
  assertGradientMatchesDifferences(model, [
    [1, -0.5, 2],
    [-3.25, 0.125, 0.75],
  ]);
});

test('the quadratic loss is ½Σaᵢxᵢ² with gradient aᵢxᵢ', () => {
  // a = [1, 4], x = [1, −0.5]: f = ½(1 + 1) = 1, ∇f = [1, −2]
  const { loss, grad } = evaluate(task({ kind: 'quadratic', curvatures: [1, 4], init: [0, 0] }), [1, -0.5]);
  assert.equal(loss, 1);
  assert.deepEqual(grad, [1, -2]);
});

test('Rastrigin at x = 0.25: f = 10 + 0.0625, ∂f/∂x = 0.5 + 20π', () => {
  // f = 10n + x² − 10cos(2πx) with cos(π/2) = 0; ∂f/∂x = 2x + 20π sin(π/2)
  const { loss, grad } = evaluate(task({ kind: 'rastrigin', init: [0] }), [0.25]);
  assertClose(loss, 10.0625, 1e-12);
  assertClose(grad[0]!, 0.5 + 20 * Math.PI, 1e-7);
});

test('the Rastrigin gradient matches central differences', () => {
  assertGradientMatchesDifferences({ kind: 'rastrigin', init: [0, 0, 0] }, [
    [0.25, -0.375, 1.125],
    [2.0625, -1.5, 0.03125],
  ]);
});

// ---- deterministic and noisy traces -----------------------------------------------------------

const QUADRATIC = { kind: 'quadratic' as const, curvatures: [1, 4], init: [1, -0.5] };

test('SGD on a noise-free quadratic follows x_t = x₀(1 − lr·a)ᵗ', () => {
  // lr 0.1, a = [1, 4]: x_t = [0.9ᵗ, −0.5·0.6ᵗ]; the loss recorded at step t is at x_{t−1}:
  // ½(0.9^{2(t−1)} + 4·0.25·0.6^{2(t−1)}); the gradient norm is ‖a⊙x_{t−1}‖ and the update lr times it.
  const { records } = trainCollect(runSpec(QUADRATIC, { kind: 'sgd', lr: 0.1 }, 6));
  assert.equal(records.length, 6);
  records.forEach((r, k) => {
    const x = [0.9 ** k, -0.5 * 0.6 ** k];
    const grad = [x[0]!, 4 * x[1]!];
    assert.equal(r.step, k + 1);
    assertClose(r.loss, 0.5 * (x[0]! ** 2 + 4 * x[1]! ** 2), 1e-6, 0, `loss at t=${k + 1}`);
    assertClose(r.gradNorm, Math.hypot(grad[0]!, grad[1]!), 1e-6, 0, `gradNorm at t=${k + 1}`);
    assertClose(r.updateNorm, 0.1 * Math.hypot(grad[0]!, grad[1]!), 1e-5, 0, `updateNorm at t=${k + 1}`);
  });
});

test('without noise the trace does not depend on the seed', () => {
  const a = trainCollect(runSpec(QUADRATIC, { kind: 'adam', lr: 0.05 }, 20, 1)).records;
  const b = trainCollect(runSpec(QUADRATIC, { kind: 'adam', lr: 0.05 }, 20, 2)).records;
  assert.deepEqual(
    a.map((r) => r.loss),
    b.map((r) => r.loss),
  );
});

const NOISY = { ...QUADRATIC, noise: 0.5 };

test('with noise, the same seed gives the same trace', () => {
  const a = trainCollect(runSpec(NOISY, { kind: 'radam', lr: 0.05 }, 20, 7)).records;
  const b = trainCollect(runSpec(NOISY, { kind: 'radam', lr: 0.05 }, 20, 7)).records;
  assert.deepEqual(a, b);
});

test('with noise, different seeds give different traces', () => {
  const a = trainCollect(runSpec(NOISY, { kind: 'radam', lr: 0.05 }, 20, 7)).records;
  const b = trainCollect(runSpec(NOISY, { kind: 'radam', lr: 0.05 }, 20, 8)).records;
  // step 1 starts from the same point, so the loss agrees; the noisy gradient does not
  assert.equal(a[0]!.loss, b[0]!.loss);
  assert.notEqual(a[0]!.gradNorm, b[0]!.gradNorm);
  assert.notDeepEqual(
    a.map((r) => r.loss),
    b.map((r) => r.loss),
  );
});

test('gradient noise is Gaussian with standard deviation σ per coordinate', () => {
  // At x = 0 the exact gradient vanishes, so the gradient is pure noise: ‖g‖²/n estimates σ² with a
  // relative standard error √(2/n) ≈ 3% for n = 2000; allow 10%.
  const n = 2000;
  const model = { kind: 'quadratic' as const, curvatures: Array(n).fill(1), init: Array(n).fill(0), noise: 0.5 };
  const { records } = trainCollect(runSpec(model, { kind: 'sgd', lr: 0.1 }, 1, 3));
  const sigmaHat = records[0]!.gradNorm / Math.sqrt(n);
  assertClose(sigmaHat, 0.5, 0.1);
});

// ---- clipping ---------------------------------------------------------------------------------

// a = [3, 4], x₀ = [1, 1]: ∇f = [3, 4], ‖∇f‖ = 5
const CLIP_TASK = { kind: 'quadratic' as const, curvatures: [3, 4], init: [1, 1] };

test('a gradient norm above clip_norm is scaled to clip_norm before the step', () => {
  // clip 1, lr 0.1: g → [3, 4]/5.000001 ≈ [0.6, 0.8], θ₁ ≈ [0.94, 0.92]
  // the loss recorded at step 2 is f(θ₁) = ½(3·0.94² + 4·0.92²) = ½(2.6508 + 3.3856) = 3.0182
  const { records } = trainCollect(runSpec(CLIP_TASK, { kind: 'sgd', lr: 0.1, clip_norm: 1 }, 2));
  assertClose(records[0]!.updateNorm, 0.1, 1e-6);
  assertClose(records[1]!.loss, 3.0182, 1e-6);
});

test('the recorded gradNorm is the norm before clipping', () => {
  const { records } = trainCollect(runSpec(CLIP_TASK, { kind: 'sgd', lr: 0.1, clip_norm: 1 }, 1));
  assertClose(records[0]!.gradNorm, 5, 1e-12);
});

test('a gradient norm below clip_norm leaves the gradient unchanged', () => {
  // clip 10 > 5: θ₁ = [1 − 0.3, 1 − 0.4], f(θ₁) = ½(3·0.49 + 4·0.36) = 1.455
  const { records } = trainCollect(runSpec(CLIP_TASK, { kind: 'sgd', lr: 0.1, clip_norm: 10 }, 2));
  assertClose(records[0]!.updateNorm, 0.5, 1e-6);
  assertClose(records[1]!.loss, 1.455, 1e-6);
});

test('clipping divides by ‖g‖ + 1e-6, as torch.nn.utils.clip_grad_norm_', () => {
  // a = [1, 1], x₀ ≈ [1.2e-6, 1.6e-6]: ‖g‖ = ‖x₀‖ ≈ 2e-6, clip 1e-6 → scale 1e-6/(2e-6 + 1e-6) ≈ 1/3,
  // so with lr 1 the first update has norm ‖g‖/3 ≈ 6.7e-7 (a plain max_norm/‖g‖ would give 1e-6).
  const x0 = [Math.fround(1.2e-6), Math.fround(1.6e-6)];
  const norm = Math.hypot(x0[0]!, x0[1]!);
  const model = { kind: 'quadratic' as const, curvatures: [1, 1], init: x0 };
  const { records } = trainCollect(runSpec(model, { kind: 'sgd', lr: 1, clip_norm: 1e-6 }, 1));
  assertClose(records[0]!.updateNorm, (norm * 1e-6) / (norm + 1e-6), 1e-5);
  assertClose(records[0]!.updateNorm, 2e-6 / 3, 1e-5);
});

// ---- schedules and RAdam's trace inside train() -----------------------------------------------

test('each step uses the scheduled lr and records it', () => {
  // linear warmup over 4 steps, lr 0.1, SGD: the update at t=1 is 0.025·‖∇f(x₀)‖ = 0.025·5
  const { records } = trainCollect(
    runSpec(CLIP_TASK, { kind: 'sgd', lr: 0.1, schedule: { kind: 'linear-warmup', steps: 4 } }, 5),
  );
  [0.025, 0.05, 0.075, 0.1, 0.1].forEach((lr, k) => assertClose(records[k]!.lr, lr, 1e-12, 0, `lr at t=${k + 1}`));
  assertClose(records[0]!.updateNorm, 0.125, 1e-6);
});

test("untuned warmup inside train() takes β₂ from the optimizer's betas", () => {
  // betas [0.9, 0.99]: ω_t = min(1, t·0.01/2), so lr₁ = 0.1·0.005 and lr₂₀₀ = 0.1
  const { records } = trainCollect(
    runSpec(QUADRATIC, { kind: 'adam', lr: 0.1, betas: [0.9, 0.99], schedule: { kind: 'untuned-warmup' } }, 200),
  );
  assertClose(records[0]!.lr, 0.0005, 1e-9);
  assertClose(records[99]!.lr, 0.05, 1e-9);
  assertClose(records[199]!.lr, 0.1, 1e-9);
});

test("the run summary reports RAdam's first adaptive step: 6 with threshold 5, 5 with threshold 4", () => {
  const five = trainCollect(runSpec({ kind: 'rosenbrock' }, { kind: 'radam', lr: 1e-3 }, 10)).summary;
  const four = trainCollect(runSpec({ kind: 'rosenbrock' }, { kind: 'radam', lr: 1e-3, rho_threshold: 4 }, 10)).summary;
  assert.equal(five.firstAdaptiveStep, 6);
  assert.equal(four.firstAdaptiveStep, 5);
});

test('RAdam with unrectified "skip" holds θ for five steps: the loss stays at f(θ₀) = 12.5 through step 6', () => {
  // the loss at step t is measured before update t, so steps 1–6 all see θ₀; step 7 sees θ₆ ≠ θ₀
  const { records } = trainCollect(runSpec({ kind: 'rosenbrock' }, { kind: 'radam', lr: 1e-2, unrectified: 'skip' }, 7));
  for (let k = 0; k < 6; k++) assertClose(records[k]!.loss, 12.5, 1e-12, 0, `loss at t=${k + 1}`);
  for (let k = 0; k < 5; k++) assert.equal(records[k]!.updateNorm, 0, `updateNorm at t=${k + 1}`);
  assert.ok(records[5]!.updateNorm > 0);
  assert.ok(records[6]!.loss < 12.5);
});

test('the summary of a deterministic run: best and last loss, and no divergence', () => {
  // SGD on the quadratic decreases the loss monotonically, so the best is the last
  const { records, summary } = trainCollect(runSpec(QUADRATIC, { kind: 'sgd', lr: 0.1 }, 10));
  assert.equal(summary.stepsDone, 10);
  assert.equal(summary.divergedAt, null);
  assert.equal(summary.divergedReason, null);
  assert.equal(summary.lastLoss, records[9]!.loss);
  assert.equal(summary.bestStep, 10);
  // final loss: mean over the last 10% of 10 steps, i.e. step 10 alone
  assert.equal(summary.finalLoss, records[9]!.loss);
  assert.equal(summary.firstAdaptiveStep, null);
});

// ---- divergence (the definition itself: divergence.test.ts) -----------------------------------

// f = ½x², x₀ = 2, SGD lr 2.5: x_t = (1 − 2.5)·x_{t−1}, so the loss of step t (at x_{t−1}) is
// L_t = ½·4·1.5^{2(t−1)} = 2·2.25^{t−1}, finite for ~200 steps (float32 overflows at 1.5^t ≈ 1.7e38).
// Every x_t = ±3^t/2^{t−1} is exact in float32 up to t = 15, so the losses below are exact.
const BLOWUP = { kind: 'quadratic' as const, curvatures: [1], init: [2] };

test('a finite blow-up is divergence: the run stops at the first loss above 1e4 × the initial loss', () => {
  // threshold 1e4·L₁ = 2e4: 2.25^{t−1} > 1e4 ⇔ t − 1 > 4/log₁₀2.25 = 11.36, so t = 13
  let expected = 1;
  while (2 * 2.25 ** (expected - 1) <= 1e4 * 2) expected++;
  assert.equal(expected, 13);
  const { records, summary } = trainCollect(runSpec(BLOWUP, { kind: 'sgd', lr: 2.5 }, 100));
  assert.equal(summary.divergedAt, expected);
  assert.equal(summary.divergedReason, 'loss 3.37e4 > 1e4 × initial 2');
  // the diverged step is recorded with its loss (2·2.25¹² = 33668.2) but no update is made
  assert.equal(records.length, expected);
  assert.equal(records[expected - 1]!.loss, 2 * 2.25 ** (expected - 1));
  assert.ok(Number.isNaN(records[expected - 1]!.updateNorm));
  assert.equal(summary.stepsDone, expected - 1);
  assert.ok(Number.isNaN(summary.finalLoss));
  // one step shorter, the same run never crosses the threshold: L₁₂ = 2·2.25¹¹ ≈ 1.5e4
  assert.equal(trainCollect(runSpec(BLOWUP, { kind: 'sgd', lr: 2.5 }, expected - 1)).summary.divergedAt, null);
});

test('an update that overflows float32 diverges at that step, even on the last step, with either kernel set', () => {
  // lr 1e39: θ₁ = 2 − 1e39·2 = −2e39, beyond float32's 3.4e38, so θ₁ = −∞ and ‖θ₁ − θ₀‖ = ∞
  for (const kernels of ['js', 'wasm'] as const) {
    for (const steps of [1, 5]) {
      const { records, summary } = trainCollect({ ...runSpec(BLOWUP, { kind: 'sgd', lr: 1e39 }, steps), kernels });
      assert.equal(summary.divergedAt, 1, `${kernels}, ${steps} steps`);
      assert.equal(summary.divergedReason, 'update norm is Infinity');
      assert.equal(summary.stepsDone, 1);
      // the step's full record is kept: loss and gradient at θ₀ = 2, the infinite update
      assert.equal(records.length, 1);
      assert.equal(records[0]!.loss, 2);
      assert.equal(records[0]!.gradNorm, 2);
      assert.equal(records[0]!.updateNorm, Infinity);
    }
  }
});

test('a gradient that overflows float32 diverges before the update, though the loss is finite', () => {
  // a = 1e10, x₀ = 1e30: g = 1e40 overflows float32 to ∞; f = ½·1e10·1e60 ≈ 5e69 is finite in float64
  const { records, summary } = trainCollect(runSpec({ kind: 'quadratic', curvatures: [1e10], init: [1e30] }, { kind: 'sgd', lr: 0.1 }, 5));
  assert.equal(summary.divergedAt, 1);
  assert.equal(summary.divergedReason, 'gradient norm is Infinity');
  assert.equal(summary.stepsDone, 0);
  assert.ok(Number.isFinite(records[0]!.loss));
  assert.ok(Number.isNaN(records[0]!.updateNorm));
});
