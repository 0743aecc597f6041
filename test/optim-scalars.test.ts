// The per-step scalars of each optimizer (src/optim/{sgd,adam,radam}.ts) and of gradient clipping
// (src/optim/clip.ts), each a pure function of (spec, t, lr), against values derived by hand in the
// comments. These are float64 scalars computed once per step, so the tolerances are tight.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { z } from 'zod';
import { OptimizerSpec } from '../src/config/optimizers.js';
import { sgdScalars } from '../src/optim/sgd.js';
import { adamScalars, biasCorrection, decoupledDecay, l2Coefficient, secondMomentScalars } from '../src/optim/adam.js';
import { radamScalars } from '../src/optim/radam.js';
import { rectify } from '../src/optim/rectify.js';
import { clipFactor } from '../src/optim/clip.js';
import { assertClose } from './helpers.js';

const TOL = 1e-12;

function spec<K extends OptimizerSpec['kind']>(input: z.input<typeof OptimizerSpec> & { kind: K }): Extract<OptimizerSpec, { kind: K }> {
  return OptimizerSpec.parse(input) as Extract<OptimizerSpec, { kind: K }>;
}

test('biasCorrection(β, t) = 1 − βᵗ: 0.1, 0.19, 0.271 for β = 0.9 and t = 1, 2, 3', () => {
  // 1 − 0.9 = 0.1;  1 − 0.81 = 0.19;  1 − 0.729 = 0.271
  assertClose(biasCorrection(0.9, 1), 0.1, TOL);
  assertClose(biasCorrection(0.9, 2), 0.19, TOL);
  assertClose(biasCorrection(0.9, 3), 0.271, TOL);
});

test('sgd: the spec\'s options as they are, the lr given, firstStep on step 1 only', () => {
  const s = spec({ kind: 'sgd', momentum: 0.9, dampening: 0.1, nesterov: true, weight_decay: 5e-4 });
  assert.deepEqual(sgdScalars(s, 1, 0.05), { lr: 0.05, momentum: 0.9, dampening: 0.1, nesterov: true, weightDecay: 5e-4, firstStep: true });
  assert.equal(sgdScalars(s, 2, 0.05).firstStep, false);
});

test('adam at t = 2, lr 0.1: stepSize = 0.1/0.19, √(1 − β₂²) = √0.001999, L2 = weight_decay, no decay factor', () => {
  // β₁ = 0.9: 1 − β₁² = 0.19.  β₂ = 0.999: 1 − β₂² = 1 − 0.998001 = 0.001999.
  const s = adamScalars(spec({ kind: 'adam', weight_decay: 0.01 }), 2, 0.1);
  assertClose(s.stepSize, 0.1 / 0.19, TOL);
  assertClose(s.biasCorrection2Sqrt, Math.sqrt(0.001999), TOL);
  assert.deepEqual([s.beta1, s.beta2, s.eps, s.l2, s.decayFactor], [0.9, 0.999, 1e-8, 0.01, 1]);
});

test('adamw is adam with decoupled decay: no L2 term, θ scaled by 1 − lr·wd (default wd 0.01)', () => {
  // lr 0.1, wd 0.01: 1 − 0.001 = 0.999
  const w = adamScalars(spec({ kind: 'adamw' }), 2, 0.1);
  const a = adamScalars(spec({ kind: 'adam' }), 2, 0.1);
  assert.equal(w.l2, 0);
  assertClose(w.decayFactor, 0.999, TOL);
  assert.deepEqual({ ...w, decayFactor: 1 }, a, 'otherwise the same scalars as adam');
});

test('the decay options of the Adam family: which kinds decouple, and the L2 coefficient of each', () => {
  const cases: [z.input<typeof OptimizerSpec>, boolean, number][] = [
    [{ kind: 'adam', weight_decay: 0.1 }, false, 0.1],
    [{ kind: 'adamw', weight_decay: 0.1 }, true, 0],
    [{ kind: 'radam', weight_decay: 0.1 }, false, 0.1],
    [{ kind: 'radam', weight_decay: 0.1, decoupled_weight_decay: true }, true, 0],
  ];
  for (const [input, decoupled, l2] of cases) {
    const s = OptimizerSpec.parse(input);
    if (s.kind === 'sgd') continue;
    assert.equal(decoupledDecay(s), decoupled, JSON.stringify(input));
    assert.equal(l2Coefficient(s), l2, JSON.stringify(input));
    assert.deepEqual(secondMomentScalars(s), { beta2: 0.999, l2 }, `frozen step of ${JSON.stringify(input)}`);
  }
});

test('radam, rectified step (t = 6): stepSize = lr·r_6·√(1 − β₂⁶)/(1 − β₁⁶)', () => {
  // ρ_6 ≈ 5.994 > 5, r_6 ≈ 0.0258211 (rectify.test.ts); 1 − 0.9⁶ = 0.468559;
  // 0.999⁶ = 1 − 6·10⁻³ + 15·10⁻⁶ − 20·10⁻⁹ + 15·10⁻¹² − … = 0.994014980014994, so 1 − 0.999⁶ = 0.005985019985006
  const s = spec({ kind: 'radam' });
  const r = rectify(0.999, 6, 5);
  assert.ok(r.rectified);
  const out = radamScalars(s, 6, 0.1, r);
  assertClose(out.stepSize, (0.1 * r.rect * Math.sqrt(1 - 0.999 ** 6)) / 0.468559, 1e-9);
  assertClose(out.stepSize, (0.1 * 0.0258211128019 * Math.sqrt(0.005985019985006)) / 0.468559, 1e-9);
  assert.deepEqual([out.rectified, out.l2, out.decayFactor], [true, 0, 1]);
});

test('radam, un-rectified step (t = 5): "momentum" steps by lr/(1 − β₁⁵), "skip" by 0 and skips decoupled decay too', () => {
  // ρ_5 ≈ 4.996 ≤ 5; 1 − 0.9⁵ = 0.40951
  const r = rectify(0.999, 5, 5);
  assert.ok(!r.rectified);
  const momentum = radamScalars(spec({ kind: 'radam', weight_decay: 0.5, decoupled_weight_decay: true }), 5, 0.1, r);
  assertClose(momentum.stepSize, 0.1 / 0.40951, TOL);
  assertClose(momentum.decayFactor, 1 - 0.1 * 0.5, TOL);
  const skip = radamScalars(spec({ kind: 'radam', weight_decay: 0.5, decoupled_weight_decay: true, unrectified: 'skip' }), 5, 0.1, r);
  assert.deepEqual([skip.stepSize, skip.rectified, skip.decayFactor], [0, false, 1]);
});

test('clipping scales by max_norm/(‖g‖ + 1e-6), as torch.nn.utils.clip_grad_norm_', () => {
  // ‖g‖ = 5, max_norm 1: 1/5.000001 = 0.19999996…
  assertClose(clipFactor(5, 1), 1 / 5.000001, TOL);
  assert.ok(clipFactor(5, 1) * 5 < 1, 'the clipped norm lands just under max_norm');
});
