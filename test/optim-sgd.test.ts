// SGD as torch.optim.SGD: the first three steps on a two-parameter vector with fixed gradients,
// against values worked out by hand (in the comments) or by the plain float64 reference below.
// Parameters are stored in float32, so comparisons use rtol 1e-6 (float32 ε ≈ 1.2e-7, a few roundings).
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

/** Run `steps` steps at a constant lr with the same gradient each step; θ after each step. */
function runFixed(opt: Optimizer, p0: number[], g: number[], lr: number, steps: number): number[][] {
  const p = Float32Array.from(p0);
  const grad = Float32Array.from(g);
  const out: number[][] = [];
  for (let t = 1; t <= steps; t++) {
    opt.step(p, grad, t, lr);
    out.push(Array.from(p));
  }
  return out;
}

function assertVecClose(actual: readonly number[], expected: readonly number[], what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  actual.forEach((a, i) => assertClose(a, expected[i]!, RTOL, ATOL, `${what}[${i}]`));
}

interface SgdOptions {
  lr: number;
  momentum: number;
  dampening: number;
  nesterov: boolean;
  weightDecay: number;
}

/** torch.optim.SGD written out plainly in float64 (the docs' pseudo-code). */
function sgdReference(p0: number[], g: number[], o: SgdOptions, steps: number): number[][] {
  let p = [...p0];
  let buf: number[] | null = null;
  const out: number[][] = [];
  for (let t = 1; t <= steps; t++) {
    const d = p.map((x, i) => g[i]! + o.weightDecay * x);
    let direction = d;
    if (o.momentum !== 0) {
      const prev: number[] | null = buf;
      const b: number[] = prev === null ? [...d] : prev.map((bi, i) => o.momentum * bi + (1 - o.dampening) * d[i]!);
      buf = b;
      direction = o.nesterov ? d.map((di, i) => di + o.momentum * b[i]!) : b;
    }
    p = p.map((x, i) => x - o.lr * direction[i]!);
    out.push([...p]);
  }
  return out;
}

const P0 = [1, -2];
const G = [0.5, 0.25];

test('plain SGD with L2 weight decay steps θ ← θ − lr·(g + wd·θ)', () => {
  // lr 0.1, wd 0.5, g = [0.5, 0.25]:
  // t=1: d = [0.5 + 0.5, 0.25 − 1] = [1, −0.75]               θ = [0.9, −1.925]
  // t=2: d = [0.5 + 0.45, 0.25 − 0.9625] = [0.95, −0.7125]    θ = [0.805, −1.85375]
  // t=3: d = [0.5 + 0.4025, 0.25 − 0.926875]                  θ = [0.71475, −1.7860625]
  const trace = runFixed(build({ kind: 'sgd', weight_decay: 0.5 }, 2), P0, G, 0.1, 3);
  assertVecClose(trace[0]!, [0.9, -1.925], 't=1');
  assertVecClose(trace[1]!, [0.805, -1.85375], 't=2');
  assertVecClose(trace[2]!, [0.71475, -1.7860625], 't=3');
});

test('heavy-ball momentum accumulates b ← μb + g starting from b₁ = g', () => {
  // lr 0.1, μ 0.9: b₁ = [0.5, 0.25], b₂ = [0.95, 0.475], b₃ = [1.355, 0.6775]
  // θ₁ = [0.95, −2.025], θ₂ = [0.855, −2.0725], θ₃ = [0.7195, −2.14025]
  const trace = runFixed(build({ kind: 'sgd', momentum: 0.9 }, 2), P0, G, 0.1, 3);
  assertVecClose(trace[0]!, [0.95, -2.025], 't=1');
  assertVecClose(trace[1]!, [0.855, -2.0725], 't=2');
  assertVecClose(trace[2]!, [0.7195, -2.14025], 't=3');
});

test('dampening scales later gradients into the buffer but not the first (b₁ = g)', () => {
  // lr 0.1, μ 0.9, dampening 0.5: b₁ = g = [0.5, 0.25] (torch initialises the buffer undampened)
  // b₂ = 0.9·b₁ + 0.5·g = [0.7, 0.35],  b₃ = 0.9·b₂ + 0.5·g = [0.88, 0.44]
  // θ₁ = [0.95, −2.025], θ₂ = [0.88, −2.06], θ₃ = [0.792, −2.104]
  const trace = runFixed(build({ kind: 'sgd', momentum: 0.9, dampening: 0.5 }, 2), P0, G, 0.1, 3);
  assertVecClose(trace[0]!, [0.95, -2.025], 't=1');
  assertVecClose(trace[1]!, [0.88, -2.06], 't=2');
  assertVecClose(trace[2]!, [0.792, -2.104], 't=3');
});

test('Nesterov momentum steps along g + μ·b', () => {
  // lr 0.1, μ 0.9: b as in heavy ball, direction g + 0.9·b:
  // t=1: [0.5 + 0.45, 0.25 + 0.225]       θ₁ = [0.905, −2.0475]
  // t=2: [0.5 + 0.855, 0.25 + 0.4275]     θ₂ = [0.7695, −2.11525]
  // t=3: [0.5 + 1.2195, 0.25 + 0.60975]   θ₃ = [0.59755, −2.201225]
  const trace = runFixed(build({ kind: 'sgd', momentum: 0.9, nesterov: true }, 2), P0, G, 0.1, 3);
  assertVecClose(trace[0]!, [0.905, -2.0475], 't=1');
  assertVecClose(trace[1]!, [0.7695, -2.11525], 't=2');
  assertVecClose(trace[2]!, [0.59755, -2.201225], 't=3');
});

test('momentum, dampening, Nesterov and weight decay together match the float64 reference', () => {
  const o: SgdOptions = { lr: 0.05, momentum: 0.8, dampening: 0.25, nesterov: true, weightDecay: 0.3 };
  const p0 = [1.5, -0.75, 0.25];
  const g = [0.125, -0.5, 0.375];
  const trace = runFixed(
    build({ kind: 'sgd', momentum: o.momentum, dampening: o.dampening, nesterov: true, weight_decay: o.weightDecay }, 3),
    p0,
    g,
    o.lr,
    3,
  );
  const expected = sgdReference(p0, g, o, 3);
  trace.forEach((theta, k) => assertVecClose(theta, expected[k]!, `t=${k + 1}`));
});

test('the lr passed to step is the one used (schedules are applied outside the optimizer)', () => {
  // two steps at different lr, no momentum: θ₂ = θ₀ − 0.1·g − 0.025·g
  const opt = build({ kind: 'sgd', lr: 123 }, 2);
  const p = Float32Array.from(P0);
  const g = Float32Array.from(G);
  opt.step(p, g, 1, 0.1);
  opt.step(p, g, 2, 0.025);
  assertVecClose(Array.from(p), [1 - 0.125 * 0.5, -2 - 0.125 * 0.25], 'θ₂');
});

test('updateNorm is ‖θ_t − θ_{t−1}‖₂ including weight decay', () => {
  // no momentum, lr 0.1, wd 0.5: step 1 moves by 0.1·[1, −0.75] → ‖·‖ = 0.1·1.25 = 0.125
  const opt = build({ kind: 'sgd', weight_decay: 0.5 }, 2);
  const p = Float32Array.from(P0);
  const info = opt.step(p, Float32Array.from(G), 1, 0.1);
  assertClose(info.updateNorm, 0.125, 1e-6);
});

test('SGD reports no ρ_t, no r_t and no adaptive step', () => {
  const info = build({ kind: 'sgd', momentum: 0.9 }, 2).step(Float32Array.from(P0), Float32Array.from(G), 1, 0.1);
  assert.ok(Number.isNaN(info.rhoT));
  assert.ok(Number.isNaN(info.rect));
  assert.equal(info.adaptive, false);
});

test('SGD defaults follow torch.optim.SGD (momentum 0, dampening 0, no Nesterov, no decay)', () => {
  const spec = OptimizerSpec.parse({ kind: 'sgd' });
  assert.ok(spec.kind === 'sgd');
  assert.equal(spec.momentum, 0);
  assert.equal(spec.dampening, 0);
  assert.equal(spec.nesterov, false);
  assert.equal(spec.weight_decay, 0);
});
