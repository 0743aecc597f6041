// Finite-difference gradient checks of every neural model end to end (loss of trainStep on a fixed
// batch w.r.t. every parameter tensor), on small hand-made datasets. Tolerance: see nn-gradcheck.ts
// (central differences, rtol 1e-2 with an absolute floor of 1e-3 × the tensor's largest gradient).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Arena } from '../src/nn/arena.js';
import { jsKernels } from '../src/wasm/kernels.js';
import { Cnn, LinearModel, Mlp, Lstm, Transformer } from '../src/config/models.js';
import { buildMlp } from '../src/models/mlp.js';
import { buildCnn } from '../src/models/cnn.js';
import { buildLstm } from '../src/models/lstm.js';
import { buildTransformer } from '../src/models/transformer.js';
import type { Task } from '../src/models/task.js';
import { assertGradient, type GradCheckOptions } from './nn-gradcheck.js';
import { toyTokens, toyVectors } from './models-fixtures.js';

/** Check ∂loss/∂θ of trainStep(1) for every parameter view (at most `maxEntries` entries each). */
function checkTask(what: string, task: Task, opts: GradCheckOptions = {}): void {
  const { data, grad, views } = task.params;
  task.trainStep(1);
  const analytic = Float64Array.from(grad);
  assert.ok(analytic.some((g) => g !== 0), `${what}: all-zero gradient`);
  const f = () => task.trainStep(1).loss;
  for (const v of views) {
    const n = v.shape.reduce((a, b) => a * b, 1);
    const x = data.subarray(v.offset, v.offset + n);
    assertGradient(`${what} ${v.name}`, x, analytic.subarray(v.offset, v.offset + n), f, { maxEntries: 40, ...opts });
  }
}

test('linear model (softmax regression): gradient check', () => {
  const data = toyVectors('classification', 6, 5, 4);
  const task = Arena.build((a) => buildMlp(LinearModel.parse({ kind: 'linear' }), data, a, 1), jsKernels).value;
  checkTask('linear/classification', task);
});

test('linear model (least squares on regression data): gradient check', () => {
  const data = toyVectors('regression', 6, 5, 3);
  const task = Arena.build((a) => buildMlp(LinearModel.parse({ kind: 'linear' }), data, a, 1), jsKernels).value;
  checkTask('linear/regression', task);
});

for (const activation of ['tanh', 'gelu', 'relu'] as const) {
  test(`mlp (${activation}, two hidden layers, classification and regression): gradient check`, () => {
    const spec = Mlp.parse({ kind: 'mlp', hidden: [7, 5], activation });
    // ReLU: δ = 3e-4 so that no perturbation moves a hidden unit across the kink at 0 (with δ = 1e-3
    // one unit of this seed does, and the difference quotient straddles the kink).
    const opts: GradCheckOptions = activation === 'relu' ? { eps: 3e-4 } : {};
    const cls = Arena.build((a) => buildMlp(spec, toyVectors('classification', 8, 4, 3), a, 2), jsKernels).value;
    checkTask(`mlp/${activation}/classification`, cls, opts);
    const reg = Arena.build((a) => buildMlp(spec, toyVectors('regression', 8, 4, 2), a, 3), jsKernels).value;
    checkTask(`mlp/${activation}/regression`, reg, opts);
  });
}

test('lstm language model (two layers): gradient check through embedding, BPTT and head', () => {
  const spec = Lstm.parse({ kind: 'lstm', embed: 5, hidden: 6, layers: 2 });
  const task = Arena.build((a) => buildLstm(spec, toyTokens('random', 3, 5, 7), a, 4), jsKernels).value;
  checkTask('lstm', task);
});

for (const norm of ['pre', 'post'] as const) {
  test(`transformer (${norm}-norm, two blocks, two heads): gradient check`, () => {
    const spec = Transformer.parse({ kind: 'transformer', d_model: 8, heads: 2, layers: 2, d_ff: 12, context: 6, norm });
    const task = Arena.build((a) => buildTransformer(spec, toyTokens('random', 2, 5, 7), a, 5), jsKernels).value;
    checkTask(`transformer/${norm}`, task);
  });
}

test('cnn (same and valid padding, stride 2, pooled and unpooled blocks, truncated-normal init): gradient check', () => {
  // 1×28×28 → conv 3×3 same ×2 → pool 2/2 → 2×14×14 → conv 3×3 valid stride 2 ×3 (no pool) → 3×6×6 = 108 → 5 → 4.
  const spec = Cnn.parse({
    kind: 'cnn',
    conv: [{ channels: 2, kernel: 3 }, { channels: 3, kernel: 3, padding: 'valid', stride: 2, pool: 'none' }],
    dense: [5],
    init: { kind: 'truncated-normal', std: 0.3, bias: 0.05 },
  });
  // δ = 3e-4 as the ReLU mlp: no perturbation crosses a ReLU kink or changes a pool's maximum.
  const task = Arena.build((a) => buildCnn(spec, toyVectors('classification', 2, 28 * 28, 4), a, 6), jsKernels).value;
  checkTask('cnn', task, { eps: 3e-4 });
});
