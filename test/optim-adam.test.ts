// Adam, AdamW and AMSGrad as torch.optim.Adam / torch.optim.AdamW, plus the paper's "Adam-2k"
// (freeze_steps): the first steps on a three-parameter vector against hand values and a plain float64
// reference written from the formulas. Parameters and moments are stored in float32, so comparisons
// use rtol 1e-6 with atol 1e-7 (float32 ε ≈ 1.2e-7, a few roundings per step).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { z } from 'zod';
import { OptimizerSpec } from '../src/config/optimizers.js';
import { Arena } from '../src/nn/arena.js';
import { jsKernels } from '../src/wasm/kernels.js';
import { createOptimizer, type Optimizer } from '../src/optim/optimizer.js';
import { assertClose } from './helpers.js';

const RTOL = 1e-6;
const ATOL = 1e-7;

function build(input: z.input<typeof OptimizerSpec>, n: number): Optimizer {
  const spec = OptimizerSpec.parse(input);
  return Arena.build((arena) => createOptimizer(spec, n, arena), jsKernels).value;
}

/** One step per gradient in `grads` at a constant lr; θ after each step. */
function run(opt: Optimizer, p0: number[], grads: number[][], lr: number): number[][] {
  const p = Float32Array.from(p0);
  return grads.map((g, k) => {
    opt.step(p, Float32Array.from(g), k + 1, lr);
    return Array.from(p);
  });
}

function assertVecClose(actual: readonly number[], expected: readonly number[], what: string, rtol = RTOL, atol = ATOL): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  actual.forEach((a, i) => assertClose(a, expected[i]!, rtol, atol, `${what}[${i}]`));
}

function maxAbsDiff(a: readonly number[], b: readonly number[]): number {
  return Math.max(...a.map((x, i) => Math.abs(x - b[i]!)));
}

interface AdamOptions {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  /** Adam's weight_decay: added to the gradient. */
  l2: number;
  /** AdamW's weight_decay: θ ← θ(1 − lr·wd) before the step. */
  decoupled: number;
  amsgrad: boolean;
  freeze: number;
}

const DEFAULTS: AdamOptions = { lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8, l2: 0, decoupled: 0, amsgrad: false, freeze: 0 };

/** Adam / AdamW / AMSGrad / Adam-2k written out plainly in float64 from the formulas. */
function adamReference(p0: number[], grads: number[][], o: AdamOptions): number[][] {
  let p = [...p0];
  let m = p0.map(() => 0);
  let v = p0.map(() => 0);
  let vmax = p0.map(() => 0);
  return grads.map((g, k) => {
    const t = k + 1;
    const grad = g.map((gi, i) => gi + o.l2 * p[i]!);
    v = v.map((vi, i) => o.beta2 * vi + (1 - o.beta2) * grad[i]! * grad[i]!);
    vmax = vmax.map((x, i) => Math.max(x, v[i]!));
    if (t <= o.freeze) return [...p]; // Adam-2k: only v moves
    m = m.map((mi, i) => o.beta1 * mi + (1 - o.beta1) * grad[i]!);
    const denomV = o.amsgrad ? vmax : v;
    p = p.map((x, i) => {
      const mHat = m[i]! / (1 - o.beta1 ** t);
      const vHat = denomV[i]! / (1 - o.beta2 ** t);
      return x * (1 - o.lr * o.decoupled) - (o.lr * mHat) / (Math.sqrt(vHat) + o.eps);
    });
    return [...p];
  });
}

const P0 = [1, -0.5, 0.25];
const GRADS = [
  [0.5, -0.25, 0.125],
  [0.25, 0.5, -0.0625],
  [-0.125, 0.375, 0.25],
];

test('the first Adam step is −lr·g/(|g| + ε) per coordinate', () => {
  // t=1: m̂₁ = (1−β₁)g/(1−β₁) = g and v̂₁ = g², so Δθ = −lr·g/(|g| + ε) ≈ −lr·sign(g)
  // lr 0.1, g = [0.5, −0.25, 0.125]: θ₁ = [1 − 0.1·0.5/0.50000001, −0.5 + 0.1·0.25/0.25000001, …]
  const [theta1] = run(build({ kind: 'adam' }, 3), P0, [GRADS[0]!], 0.1);
  const expected = P0.map((x, i) => x - (0.1 * GRADS[0]![i]!) / (Math.abs(GRADS[0]![i]!) + 1e-8));
  assertVecClose(theta1!, expected, 'θ₁');
  assertVecClose(theta1!, [0.9, -0.4, 0.15], 'θ₁ ≈ θ₀ − lr·sign(g)');
});

test('the second Adam step uses both bias corrections (hand-computed coordinate 0)', () => {
  // m₂ = 0.9·0.05 + 0.1·0.25 = 0.07,  m̂₂ = 0.07/(1 − 0.81) = 0.368421…
  // v₂ = 0.999·0.001·0.25 + 0.001·0.0625 = 3.1225e-4,  v̂₂ = 3.1225e-4/0.001999 = 0.156203…
  // θ₂[0] = 0.9 − 0.1·0.368421/(√0.156203 + 1e-8) = 0.9 − 0.0932178… = 0.8067822…
  const [, theta2] = run(build({ kind: 'adam' }, 3), P0, GRADS.slice(0, 2), 0.1);
  const expected = 0.9 - (0.1 * (0.07 / 0.19)) / (Math.sqrt(3.1225e-4 / 0.001999) + 1e-8);
  assertClose(theta2![0]!, expected, RTOL, ATOL);
  assertClose(theta2![0]!, 0.8067822, 0, 1e-6);
});

test('three Adam steps match the float64 reference', () => {
  const trace = run(build({ kind: 'adam' }, 3), P0, GRADS, 0.1);
  const expected = adamReference(P0, GRADS, DEFAULTS);
  trace.forEach((theta, k) => assertVecClose(theta, expected[k]!, `t=${k + 1}`));
});

test("Adam's weight_decay is L2 added to the gradient (three steps vs the reference)", () => {
  const trace = run(build({ kind: 'adam', weight_decay: 0.5 }, 3), P0, GRADS, 0.1);
  const expected = adamReference(P0, GRADS, { ...DEFAULTS, l2: 0.5 });
  trace.forEach((theta, k) => assertVecClose(theta, expected[k]!, `t=${k + 1}`));
});

test("AdamW's first step is θ₀(1 − lr·wd) − lr·g/(|g| + ε)", () => {
  // lr 0.1, wd 0.5: decay factor 0.95, so θ₁ = [0.95 − 0.1, −0.475 + 0.1, 0.2375 − 0.1] (up to ε)
  const [theta1] = run(build({ kind: 'adamw', weight_decay: 0.5 }, 3), P0, [GRADS[0]!], 0.1);
  assertVecClose(theta1!, [0.85, -0.375, 0.1375], 'θ₁', RTOL, 1e-6);
});

test('three AdamW steps match the float64 reference with decoupled decay', () => {
  const trace = run(build({ kind: 'adamw', weight_decay: 0.5 }, 3), P0, GRADS, 0.1);
  const expected = adamReference(P0, GRADS, { ...DEFAULTS, decoupled: 0.5 });
  trace.forEach((theta, k) => assertVecClose(theta, expected[k]!, `t=${k + 1}`));
});

test('decoupled decay (AdamW) and L2 decay (Adam) with the same coefficient give different parameters', () => {
  const l2 = run(build({ kind: 'adam', weight_decay: 0.5 }, 3), P0, GRADS, 0.1);
  const decoupled = run(build({ kind: 'adamw', weight_decay: 0.5 }, 3), P0, GRADS, 0.1);
  // after three steps they differ by orders of magnitude more than the comparison tolerance
  assert.ok(maxAbsDiff(l2[2]!, decoupled[2]!) > 1e-2, `difference ${maxAbsDiff(l2[2]!, decoupled[2]!)}`);
});

test('AdamW defaults to weight_decay 0.01 and applies it', () => {
  const spec = OptimizerSpec.parse({ kind: 'adamw' });
  assert.ok(spec.kind === 'adamw');
  assert.equal(spec.weight_decay, 0.01);
  // lr 0.1: decay factor 1 − 0.001 = 0.999 before the Adam step
  const [theta1] = run(build({ kind: 'adamw' }, 3), P0, [GRADS[0]!], 0.1);
  const expected = adamReference(P0, [GRADS[0]!], { ...DEFAULTS, decoupled: 0.01 })[0]!;
  assertVecClose(theta1!, expected, 'θ₁');
  assertVecClose(theta1!, [0.899, -0.3995, 0.14975], 'θ₁ by hand', RTOL, 1e-6);
});

test('Adam defaults follow torch.optim.Adam (lr 1e-3, betas [0.9, 0.999], eps 1e-8, no decay, no amsgrad)', () => {
  const spec = OptimizerSpec.parse({ kind: 'adam' });
  assert.ok(spec.kind === 'adam');
  assert.equal(spec.lr, 1e-3);
  assert.deepEqual(spec.betas, [0.9, 0.999]);
  assert.equal(spec.eps, 1e-8);
  assert.equal(spec.weight_decay, 0);
  assert.equal(spec.amsgrad, false);
  assert.equal(spec.freeze_steps, 0);
});

// AMSGrad only matters when v_t falls: a large gradient followed by small ones, and a short memory
// (β₂ = 0.5) so that v_t actually falls well below its maximum within three steps.
const AMS_BETAS: [number, number] = [0.9, 0.5];
const FALLING = [
  [2, -1, 0.5],
  [0.125, 0.0625, -0.03125],
  [0.0625, -0.125, 0.03125],
];

test('AMSGrad divides by the running maximum of v_t (three steps vs the reference)', () => {
  const trace = run(build({ kind: 'adam', betas: AMS_BETAS, amsgrad: true }, 3), P0, FALLING, 0.1);
  const expected = adamReference(P0, FALLING, { ...DEFAULTS, beta2: 0.5, amsgrad: true });
  trace.forEach((theta, k) => assertVecClose(theta, expected[k]!, `t=${k + 1}`));
});

test('AMSGrad differs from Adam once v_t falls below its maximum', () => {
  const ams = run(build({ kind: 'adam', betas: AMS_BETAS, amsgrad: true }, 3), P0, FALLING, 0.1);
  const plain = run(build({ kind: 'adam', betas: AMS_BETAS }, 3), P0, FALLING, 0.1);
  // at t=1 v₁ is its own maximum, so the two agree exactly
  assert.deepEqual(ams[0], plain[0]);
  assert.ok(maxAbsDiff(ams[2]!, plain[2]!) > 1e-3, `difference ${maxAbsDiff(ams[2]!, plain[2]!)}`);
});

test('Adam adds ε to the bias-corrected √v̂_t, visible when |g| is comparable to ε', () => {
  // g = 2⁻²⁴ ≈ 6e-8, ε = 1e-8, t = 1: Δθ = lr·g/(g + ε) = 0.857… (ε on √v̂₁ = g), whereas ε on the
  // uncorrected √v₁ = g·√0.001 would give lr·g√0.001/(g√0.001 + ε) = 0.159… — RAdam's placement.
  const g = 2 ** -24;
  const [theta1] = run(build({ kind: 'adam', eps: 1e-8 }, 1), [0], [[g]], 1);
  const adamPlacement = -g / (g + 1e-8);
  const radamPlacement = -(g * Math.sqrt(0.001)) / (g * Math.sqrt(0.001) + 1e-8);
  assertClose(theta1![0]!, adamPlacement, RTOL);
  assert.ok(Math.abs(adamPlacement - radamPlacement) > 0.5);
});

test('freeze_steps k leaves θ unchanged for the first k steps, even under AdamW decay', () => {
  const opt = build({ kind: 'adamw', weight_decay: 0.5, freeze_steps: 2 }, 3);
  const p = Float32Array.from(P0);
  for (let t = 1; t <= 2; t++) {
    const info = opt.step(p, Float32Array.from(GRADS[t - 1]!), t, 0.1);
    assert.deepEqual(Array.from(p), P0, `θ after frozen step ${t}`);
    assert.equal(info.updateNorm, 0);
    assert.equal(info.adaptive, false);
  }
  const info3 = opt.step(p, Float32Array.from(GRADS[2]!), 3, 0.1);
  assert.equal(info3.adaptive, true);
  assert.ok(info3.updateNorm > 0);
});

test('freeze_steps k updates v_t during the frozen steps', () => {
  // After k = 2 frozen steps, v₂ = 0.999·0.001·g₁² + 0.001·g₂², seen through the adaptive lr
  // ψ_i = √(1−β₂²)/(√v_i + ε), one coordinate at a time (n = 1 so the mean is ψ itself).
  const opt = build({ kind: 'adam', freeze_steps: 2 }, 1);
  const p = Float32Array.from([1]);
  opt.step(p, Float32Array.from([0.5]), 1, 0.1);
  opt.step(p, Float32Array.from([0.25]), 2, 0.1);
  const v2 = 0.999 * 0.001 * 0.25 + 0.001 * 0.0625; // 3.1225e-4
  const psi = Math.sqrt(1 - 0.999 ** 2) / (Math.sqrt(v2) + 1e-8);
  assertClose(opt.adaptiveLr!(2).mean, psi, RTOL);
});

test('after freeze_steps k, m starts from zero and both bias corrections use the full step count t', () => {
  // k = 2, step 3: m₃ = 0.1·g₃ (m untouched while frozen), v₃ = β₂v₂ + 0.001·g₃²,
  // θ₃ = θ₀ − lr·(m₃/(1−β₁³)) / (√(v₃/(1−β₂³)) + ε); the reference does this for all coordinates.
  const trace = run(build({ kind: 'adam', freeze_steps: 2 }, 3), P0, GRADS, 0.1);
  const expected = adamReference(P0, GRADS, { ...DEFAULTS, freeze: 2 });
  assertVecClose(trace[2]!, expected[2]!, 't=3');
  // hand check of coordinate 0: m̂₃ = 0.1·(−0.125)/0.271 = −0.046125…,
  // v₃ = 0.999·3.1225e-4 + 0.001·0.015625 = 3.275e-4 (to 4 s.f.), v̂₃ = v₃/0.002997001
  const v3 = 0.999 * 3.1225e-4 + 0.001 * 0.015625;
  const hand = 1 - (0.1 * ((0.1 * -0.125) / (1 - 0.9 ** 3))) / (Math.sqrt(v3 / (1 - 0.999 ** 3)) + 1e-8);
  assertClose(trace[2]![0]!, hand, RTOL, ATOL);
});

test("freeze_steps with Adam's L2 decay feeds g + wd·θ into v during the frozen steps", () => {
  const trace = run(build({ kind: 'adam', weight_decay: 0.5, freeze_steps: 2 }, 3), P0, GRADS, 0.1);
  const expected = adamReference(P0, GRADS, { ...DEFAULTS, l2: 0.5, freeze: 2 });
  assertVecClose(trace[2]!, expected[2]!, 't=3');
});

test('Adam-2k differs from Adam restarted after k steps (the frozen v_t carries over)', () => {
  // If v were reset, step 3 would equal a fresh first step: θ₀ − lr·sign(g₃).
  const trace = run(build({ kind: 'adam', freeze_steps: 2 }, 3), P0, GRADS, 0.1);
  const fresh = P0.map((x, i) => x - 0.1 * Math.sign(GRADS[2]![i]!));
  assert.ok(maxAbsDiff(trace[2]!, fresh) > 1e-2);
});

test('freeze_steps with AMSGrad keeps the maximum of v over the frozen steps', () => {
  const trace = run(build({ kind: 'adam', betas: AMS_BETAS, amsgrad: true, freeze_steps: 1 }, 3), P0, FALLING, 0.1);
  const expected = adamReference(P0, FALLING, { ...DEFAULTS, beta2: 0.5, amsgrad: true, freeze: 1 });
  trace.forEach((theta, k) => assertVecClose(theta, expected[k]!, `t=${k + 1}`));
});

test("Adam's trace: adaptive on every unfrozen step, no ρ_t or r_t, updateNorm = ‖θ_t − θ_{t−1}‖ with decay", () => {
  const opt = build({ kind: 'adamw', weight_decay: 0.5 }, 3);
  const expected = [P0, ...adamReference(P0, GRADS, { ...DEFAULTS, decoupled: 0.5 })];
  const p = Float32Array.from(P0);
  GRADS.forEach((g, k) => {
    const before = Array.from(p);
    const info = opt.step(p, Float32Array.from(g), k + 1, 0.1);
    assert.equal(info.adaptive, true);
    assert.ok(Number.isNaN(info.rhoT) && Number.isNaN(info.rect));
    const measured = Math.hypot(...Array.from(p).map((x, i) => x - before[i]!));
    const reference = Math.hypot(...expected[k + 1]!.map((x, i) => x - expected[k]![i]!));
    assertClose(info.updateNorm, measured, 1e-9, 0, `t=${k + 1} vs the arrays`);
    assertClose(info.updateNorm, reference, 1e-5, 0, `t=${k + 1} vs the reference`);
  });
});

test('adaptiveLr reports the mean and coefficient of variation of √(1−β₂ᵗ)/(√v_t + ε)', () => {
  // t=1, g = [0.5, −0.25]: √v₁ = √0.001·|g|, ψ = √0.001/(√0.001·|g| + ε) ≈ 1/|g| = [2, 4]
  // mean 3, population std 1, cv 1/3
  const opt = build({ kind: 'adam' }, 2);
  opt.step(Float32Array.from([1, 1]), Float32Array.from([0.5, -0.25]), 1, 0.1);
  const psi = [0.5, 0.25].map((g) => Math.sqrt(0.001) / (Math.sqrt(0.001 * g * g) + 1e-8));
  const mean = (psi[0]! + psi[1]!) / 2;
  const std = Math.abs(psi[0]! - psi[1]!) / 2;
  const stats = opt.adaptiveLr!(1);
  assertClose(stats.mean, mean, RTOL);
  assertClose(stats.cv, std / mean, 1e-5);
  assertClose(stats.cv, 1 / 3, 1e-5);
});
