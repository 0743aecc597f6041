// RAdam as torch.optim.RAdam (Liu et al., ICLR 2020, Algorithm 2): un-rectified steps, the switch to
// the rectified step, thresholds 4 and 5, "momentum" vs "skip", L2 vs decoupled decay, ε on the
// uncorrected √v_t, freeze_steps and the trace. Expected values come from hand derivations (constant
// gradients make m̂_t = g and √v_t = |g|√(1−β₂ᵗ)) or from the plain float64 reference below.
// Parameters and moments are float32: comparisons use rtol 1e-6 with atol 1e-7.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { z } from 'zod';
import { OptimizerSpec } from '../src/config/optimizers.js';
import { Arena } from '../src/nn/arena.js';
import { jsKernels } from '../src/wasm/kernels.js';
import { createOptimizer, type Optimizer, type StepInfo } from '../src/optim/optimizer.js';
import { assertClose } from './helpers.js';

const RTOL = 1e-6;
const ATOL = 1e-7;

// ρ_∞ = 1999 for β₂ = 0.999; r_5, r_6 from eq. 8 (pinned in rectify.test.ts)
const R5 = 0.0173115031663;
const R6 = 0.0258211128019;

function build(input: z.input<typeof OptimizerSpec>, n: number): Optimizer {
  const spec = OptimizerSpec.parse(input);
  return Arena.build((arena) => createOptimizer(spec, n, arena), jsKernels).value;
}

interface Trace {
  theta: number[][];
  info: StepInfo[];
}

/** One step per gradient at a constant lr; θ and a copy of the StepInfo after each step. */
function run(opt: Optimizer, p0: number[], grads: number[][], lr: number): Trace {
  const p = Float32Array.from(p0);
  const trace: Trace = { theta: [], info: [] };
  grads.forEach((g, k) => {
    trace.info.push({ ...opt.step(p, Float32Array.from(g), k + 1, lr) });
    trace.theta.push(Array.from(p));
  });
  return trace;
}

function assertVecClose(actual: readonly number[], expected: readonly number[], what: string, rtol = RTOL, atol = ATOL): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  actual.forEach((a, i) => assertClose(a, expected[i]!, rtol, atol, `${what}[${i}]`));
}

function maxAbsDiff(a: readonly number[], b: readonly number[]): number {
  return Math.max(...a.map((x, i) => Math.abs(x - b[i]!)));
}

interface RAdamOptions {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  decoupled: boolean;
  threshold: number;
  unrectified: 'momentum' | 'skip';
  freeze: number;
}

const DEFAULTS: RAdamOptions = {
  lr: 0.5,
  beta1: 0.9,
  beta2: 0.999,
  eps: 1e-8,
  weightDecay: 0,
  decoupled: false,
  threshold: 5,
  unrectified: 'momentum',
  freeze: 0,
};

/** RAdam written out plainly in float64 from the paper's eq. 6–8 and torch.optim.RAdam. */
function radamReference(p0: number[], grads: number[][], o: RAdamOptions): number[][] {
  const rhoInf = 2 / (1 - o.beta2) - 1;
  let p = [...p0];
  let m = p0.map(() => 0);
  let v = p0.map(() => 0);
  return grads.map((g, k) => {
    const t = k + 1;
    const grad = g.map((gi, i) => (o.decoupled ? gi : gi + o.weightDecay * p[i]!));
    v = v.map((vi, i) => o.beta2 * vi + (1 - o.beta2) * grad[i]! * grad[i]!);
    if (t <= o.freeze) return [...p];
    m = m.map((mi, i) => o.beta1 * mi + (1 - o.beta1) * grad[i]!);
    const biasCorrection2 = 1 - o.beta2 ** t;
    const rho = rhoInf - (2 * t * o.beta2 ** t) / biasCorrection2;
    const rectified = rho > o.threshold;
    if (!rectified && o.unrectified === 'skip') return [...p];
    const decay = o.decoupled ? 1 - o.lr * o.weightDecay : 1;
    const r = rectified ? Math.sqrt(((rho - 4) * (rho - 2) * rhoInf) / ((rhoInf - 4) * (rhoInf - 2) * rho)) : 0;
    p = p.map((x, i) => {
      const mHat = m[i]! / (1 - o.beta1 ** t);
      const step = rectified ? (r * mHat * Math.sqrt(biasCorrection2)) / (Math.sqrt(v[i]!) + o.eps) : mHat;
      return x * decay - o.lr * step;
    });
    return [...p];
  });
}

const P0 = [1, -0.5, 0.25];
/** Eight steps of varied, exactly representable gradients in ±{1,3,5,7}/16. */
const GRADS = Array.from({ length: 8 }, (_, k) => [0, 1, 2].map((i) => (((3 * (k + 1) + 5 * i) % 7) - 3.5) / 8));
/** A constant gradient, for hand derivations. */
const G = [0.25, -0.125, 0.5];
const constant = (steps: number): number[][] => Array.from({ length: steps }, () => G);

test('the first RAdam step is an SGD step θ₁ = θ₀ − lr·g (ρ_1 = 1 is below the threshold)', () => {
  // m̂₁ = g, and the un-rectified "momentum" step is θ − lr·m̂
  const { theta } = run(build({ kind: 'radam' }, 3), P0, [G], 0.5);
  assertVecClose(theta[0]!, [1 - 0.125, -0.5 + 0.0625, 0.25 - 0.25], 'θ₁');
});

test('un-rectified steps 1–3 move by lr·m̂_t, with L2 decay in the gradient (vs the reference)', () => {
  const { theta } = run(build({ kind: 'radam', weight_decay: 0.25 }, 3), P0, GRADS.slice(0, 3), 0.5);
  const expected = radamReference(P0, GRADS.slice(0, 3), { ...DEFAULTS, weightDecay: 0.25 });
  theta.forEach((x, k) => assertVecClose(x, expected[k]!, `t=${k + 1}`));
});

test('with a constant gradient RAdam moves lr·g for five steps, then lr·r_6·sign(g) at step 6', () => {
  // t ≤ 5: m̂_t = g, step lr·g.  t = 6: m̂₆ = g, √v₆ = |g|√(1−β₂⁶), so the rectified step is
  // lr·r₆·g√(1−β₂⁶)/(|g|√(1−β₂⁶) + ε) = lr·r₆·sign(g) up to ε/(|g|√(1−β₂⁶)) ≈ 1e-6 relative.
  const { theta } = run(build({ kind: 'radam' }, 3), P0, constant(6), 0.5);
  assertVecClose(theta[4]!, P0.map((x, i) => x - 5 * 0.5 * G[i]!), 'θ₅');
  assertVecClose(
    theta[5]!,
    theta[4]!.map((x, i) => x - 0.5 * R6 * Math.sign(G[i]!)),
    'θ₆',
    RTOL,
    1e-6,
  );
});

test('eight steps with the torch threshold (5 momentum steps, then rectified) match the reference', () => {
  const { theta } = run(build({ kind: 'radam', weight_decay: 0.25 }, 3), P0, GRADS, 0.5);
  const expected = radamReference(P0, GRADS, { ...DEFAULTS, weightDecay: 0.25 });
  theta.forEach((x, k) => assertVecClose(x, expected[k]!, `t=${k + 1}`));
});

test("with the paper's threshold 4, step 5 is already rectified by r_5", () => {
  // constant gradient: θ₅ = θ₄ − lr·r₅·sign(g), instead of θ₄ − lr·g under threshold 5
  const four = run(build({ kind: 'radam', rho_threshold: 4 }, 3), P0, constant(5), 0.5);
  assertVecClose(four.theta[3]!, P0.map((x, i) => x - 4 * 0.5 * G[i]!), 'θ₄');
  assertVecClose(four.theta[4]!, four.theta[3]!.map((x, i) => x - 0.5 * R5 * Math.sign(G[i]!)), 'θ₅', RTOL, 1e-6);
  assert.equal(four.info[3]!.adaptive, false);
  assert.equal(four.info[4]!.adaptive, true);
  assertClose(four.info[4]!.rect, R5, 1e-9);
});

test('threshold 4 over eight varied steps matches the reference and differs from threshold 5', () => {
  const four = run(build({ kind: 'radam', rho_threshold: 4 }, 3), P0, GRADS, 0.5);
  const expected = radamReference(P0, GRADS, { ...DEFAULTS, threshold: 4 });
  four.theta.forEach((x, k) => assertVecClose(x, expected[k]!, `t=${k + 1}`));
  const five = run(build({ kind: 'radam' }, 3), P0, GRADS, 0.5);
  assert.deepEqual(four.theta[3], five.theta[3]);
  assert.ok(maxAbsDiff(four.theta[4]!, five.theta[4]!) > 1e-2);
});

test('unrectified "skip" leaves θ unchanged until ρ_t passes the threshold, decoupled decay included', () => {
  const { theta, info } = run(
    build({ kind: 'radam', unrectified: 'skip', weight_decay: 0.1, decoupled_weight_decay: true }, 3),
    P0,
    constant(5),
    0.5,
  );
  theta.forEach((x, k) => assert.deepEqual(x, P0, `θ_${k + 1}`));
  info.forEach((s, k) => {
    assert.equal(s.updateNorm, 0, `updateNorm at t=${k + 1}`);
    assert.equal(s.adaptive, false);
    assert.equal(s.rect, 0);
  });
});

test('after skipped steps, the first rectified step uses the moments accumulated meanwhile', () => {
  // m and v kept updating while θ was held, so with a constant gradient m̂₆ = g and step 6 is
  // θ₆ = θ₀(1 − lr·wd) − lr·r₆·sign(g)  (decoupled decay 0.1, lr 0.5 → factor 0.95)
  const { theta } = run(
    build({ kind: 'radam', unrectified: 'skip', weight_decay: 0.1, decoupled_weight_decay: true }, 3),
    P0,
    constant(6),
    0.5,
  );
  assertVecClose(theta[5]!, P0.map((x, i) => 0.95 * x - 0.5 * R6 * Math.sign(G[i]!)), 'θ₆', RTOL, 1e-6);
});

test('unrectified "skip" over eight varied steps with L2 decay matches the reference', () => {
  const { theta } = run(build({ kind: 'radam', unrectified: 'skip', weight_decay: 0.25 }, 3), P0, GRADS, 0.5);
  const expected = radamReference(P0, GRADS, { ...DEFAULTS, unrectified: 'skip', weightDecay: 0.25 });
  theta.forEach((x, k) => assertVecClose(x, expected[k]!, `t=${k + 1}`));
});

test('decoupled weight decay multiplies θ by (1 − lr·wd) on momentum steps too', () => {
  // t=1, wd 0.1, lr 0.5: θ₁ = 0.95·θ₀ − 0.5·g
  const { theta } = run(build({ kind: 'radam', weight_decay: 0.1, decoupled_weight_decay: true }, 3), P0, [G], 0.5);
  assertVecClose(theta[0]!, P0.map((x, i) => 0.95 * x - 0.5 * G[i]!), 'θ₁');
});

test('decoupled weight decay over eight varied steps matches the reference', () => {
  const { theta } = run(build({ kind: 'radam', weight_decay: 0.1, decoupled_weight_decay: true }, 3), P0, GRADS, 0.5);
  const expected = radamReference(P0, GRADS, { ...DEFAULTS, weightDecay: 0.1, decoupled: true });
  theta.forEach((x, k) => assertVecClose(x, expected[k]!, `t=${k + 1}`));
});

test('decoupled and L2 decay with the same coefficient give different parameters', () => {
  const l2 = run(build({ kind: 'radam', weight_decay: 0.1 }, 3), P0, GRADS, 0.5);
  const decoupled = run(build({ kind: 'radam', weight_decay: 0.1, decoupled_weight_decay: true }, 3), P0, GRADS, 0.5);
  assert.ok(maxAbsDiff(l2.theta[7]!, decoupled.theta[7]!) > 1e-2, `difference ${maxAbsDiff(l2.theta[7]!, decoupled.theta[7]!)}`);
});

test('the rectified step adds ε to the uncorrected √v_t, as torch.optim.RAdam', () => {
  // constant g = 2⁻²⁰ ≈ 9.5e-7, θ₀ = 0, lr 1: θ₅ = −5g; at t = 6, √v₆ = g·√(1−β₂⁶) ≈ 7.4e-8, so
  // torch:            Δ = r₆·g√(1−β₂⁶)/(g√(1−β₂⁶) + ε) ≈ 0.88·r₆
  // Adam's placement (ε on √v̂₆ = g): Δ = r₆·g/(g + ε) ≈ 0.99·r₆ — visibly different
  const g = 2 ** -20;
  const { theta } = run(build({ kind: 'radam', eps: 1e-8 }, 1), [0], Array.from({ length: 6 }, () => [g]), 1);
  const sqrtBc2 = Math.sqrt(1 - 0.999 ** 6);
  const torchPlacement = -5 * g - (R6 * g * sqrtBc2) / (g * sqrtBc2 + 1e-8);
  const adamPlacement = -5 * g - (R6 * g) / (g + 1e-8);
  assertClose(theta[5]![0]!, torchPlacement, RTOL);
  assert.ok(Math.abs(torchPlacement - adamPlacement) > 1e-3 * Math.abs(torchPlacement));
});

test('the trace reports ρ_t every step, rect = 0 and adaptive false before step 6, r_t and adaptive after', () => {
  const { info } = run(build({ kind: 'radam' }, 3), P0, GRADS, 0.5);
  info.forEach((s, k) => {
    const t = k + 1;
    const rho = 1999 - (2 * t * 0.999 ** t) / (1 - 0.999 ** t);
    assertClose(s.rhoT, rho, 1e-9, 0, `ρ_${t}`);
    if (t <= 5) {
      assert.equal(s.rect, 0, `rect at t=${t}`);
      assert.equal(s.adaptive, false, `adaptive at t=${t}`);
    } else {
      const r = Math.sqrt(((rho - 4) * (rho - 2) * 1999) / (1995 * 1997 * rho));
      assertClose(s.rect, r, 1e-9, 0, `r_${t}`);
      assert.equal(s.adaptive, true, `adaptive at t=${t}`);
    }
  });
  assertClose(info[5]!.rect, R6, 1e-9);
});

test("RAdam's updateNorm is ‖θ_t − θ_{t−1}‖₂ including decoupled decay", () => {
  const o = { ...DEFAULTS, weightDecay: 0.1, decoupled: true };
  const expected = [P0, ...radamReference(P0, GRADS, o)];
  const { info } = run(build({ kind: 'radam', weight_decay: 0.1, decoupled_weight_decay: true }, 3), P0, GRADS, 0.5);
  info.forEach((s, k) => {
    const reference = Math.hypot(...expected[k + 1]!.map((x, i) => x - expected[k]![i]!));
    assertClose(s.updateNorm, reference, 1e-5, 0, `t=${k + 1}`);
  });
});

test('freeze_steps k keeps θ fixed for k steps, then uses m from zero and bias corrections at the full t', () => {
  // k = 6: steps 1–6 only update v; step 7 is rectified (ρ_7 ≈ 6.99) with m₇ = 0.1·g₇,
  // m̂₇ = m₇/(1 − β₁⁷) and √(1 − β₂⁷) — as the reference computes.
  const { theta, info } = run(build({ kind: 'radam', freeze_steps: 6 }, 3), P0, GRADS, 0.5);
  for (let k = 0; k < 6; k++) {
    assert.deepEqual(theta[k], P0, `θ_${k + 1}`);
    assert.equal(info[k]!.updateNorm, 0);
    assert.equal(info[k]!.rect, 0);
    assert.equal(info[k]!.adaptive, false);
  }
  const expected = radamReference(P0, GRADS, { ...DEFAULTS, freeze: 6 });
  assertVecClose(theta[6]!, expected[6]!, 't=7');
  assertVecClose(theta[7]!, expected[7]!, 't=8');
  assert.equal(info[6]!.adaptive, true);
});

test('RAdam defaults: torch threshold 5, momentum below it, L2 decay 0, betas [0.9, 0.999], eps 1e-8', () => {
  const spec = OptimizerSpec.parse({ kind: 'radam' });
  assert.ok(spec.kind === 'radam');
  assert.equal(spec.rho_threshold, 5);
  assert.equal(spec.unrectified, 'momentum');
  assert.equal(spec.decoupled_weight_decay, false);
  assert.equal(spec.weight_decay, 0);
  assert.deepEqual(spec.betas, [0.9, 0.999]);
  assert.equal(spec.eps, 1e-8);
});
