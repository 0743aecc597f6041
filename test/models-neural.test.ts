// The neural models as Tasks: parameter counts from their formulas, seeded init, evaluate leaves the
// gradient alone, shape checks, and that each model actually learns a learnable toy problem.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Arena } from '../src/nn/arena.js';
import { jsKernels } from '../src/wasm/kernels.js';
import { LinearModel, Lstm, Mlp, Transformer } from '../src/config/models.js';
import { ConfigError } from '../src/base/errors.js';
import { buildMlp } from '../src/models/mlp.js';
import { buildLstm } from '../src/models/lstm.js';
import { buildTransformer } from '../src/models/transformer.js';
import { buildNeural } from '../src/models/build.js';
import type { Task } from '../src/models/task.js';
import { toyTokens, toyVectors } from './models-fixtures.js';

/** Plain SGD, p ← p − lr·g, so these tests depend on the models alone. */
function trainSgd(task: Task, steps: number, lr: number): number[] {
  const { data, grad } = task.params;
  const losses: number[] = [];
  for (let t = 1; t <= steps; t++) {
    losses.push(task.trainStep(t).loss);
    for (let i = 0; i < data.length; i++) data[i] = data[i]! - lr * grad[i]!;
  }
  return losses;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

test('parameter counts follow the layer formulas', () => {
  // mlp D=4 → 7 → 5 → K=3: (4·7 + 7) + (7·5 + 5) + (5·3 + 3) = 93
  const mlp = Arena.build((a) => buildMlp(Mlp.parse({ kind: 'mlp', hidden: [7, 5] }), toyVectors('classification', 2, 4, 3), a, 0), jsKernels).value;
  assert.equal(mlp.params.data.length, 93);
  // lstm V=7, E=5, H=6, 2 layers: 7·5 + 4·6·(5 + 6 + 1) + 4·6·(6 + 6 + 1) + (7·6 + 7) = 35 + 288 + 312 + 49 = 684
  const lstm = Arena.build((a) => buildLstm(Lstm.parse({ kind: 'lstm', embed: 5, hidden: 6, layers: 2 }), toyTokens('random', 2, 3, 7), a, 0), jsKernels).value;
  assert.equal(lstm.params.data.length, 684);
  // transformer V=7, C=8, F=12, context 6, 1 block:
  //   wte 56 + wpe 48 + block [ln 16 + qkv 8·24+24 + proj 64+8 + ln 16 + fc 8·12+12 + proj 12·8+8 = 532] + ln_f 16 + head 56+7
  const spec = { kind: 'transformer', d_model: 8, heads: 2, layers: 1, d_ff: 12, context: 6 };
  const pre = Arena.build((a) => buildTransformer(Transformer.parse({ ...spec, norm: 'pre' }), toyTokens('random', 2, 5, 7), a, 0), jsKernels).value;
  assert.equal(pre.params.data.length, 56 + 48 + 532 + 16 + 63);
  // post-norm has no final LayerNorm
  const post = Arena.build((a) => buildTransformer(Transformer.parse({ ...spec, norm: 'post' }), toyTokens('random', 2, 5, 7), a, 0), jsKernels).value;
  assert.equal(post.params.data.length, 56 + 48 + 532 + 63);
});

test('initialisation is seeded: same seed same parameters, another seed different; PyTorch bounds', () => {
  const build = (seed: number) =>
    Arena.build((a) => buildMlp(Mlp.parse({ kind: 'mlp', hidden: [16] }), toyVectors('classification', 2, 9, 3), a, seed), jsKernels).value;
  const a = build(1).params;
  assert.deepEqual(a.data, build(1).params.data);
  assert.notDeepEqual(a.data, build(2).params.data);
  // nn.Linear(9, 16): U(−1/3, 1/3); nn.Linear(16, 3): U(−1/4, 1/4)
  const first = a.data.subarray(0, 9 * 16 + 16);
  assert.ok(first.every((w) => Math.abs(w) <= 1 / 3) && first.some((w) => Math.abs(w) > 0.3));
  const second = a.data.subarray(9 * 16 + 16);
  assert.ok(second.every((w) => Math.abs(w) <= 1 / 4));
});

test('evaluate averages validation batches, is repeatable, and leaves params.grad alone', () => {
  const task = Arena.build((a) => buildLstm(Lstm.parse({ kind: 'lstm', embed: 4, hidden: 5 }), toyTokens('random', 3, 4, 5), a, 0), jsKernels).value;
  task.trainStep(1);
  const grad = Float32Array.from(task.params.grad);
  const first = { ...task.evaluate!(3) };
  const second = { ...task.evaluate!(3) };
  assert.deepEqual(first, second);
  assert.deepEqual(task.params.grad, grad);
  // Untrained on uniform tokens: the loss is close to log V.
  assert.ok(Math.abs(first.loss - Math.log(5)) < 0.5, `val loss ${first.loss}`);
  assert.ok(first.accuracy !== undefined && first.accuracy >= 0 && first.accuracy <= 1);
});

test('regression models report no accuracy; classifiers report a fraction', () => {
  const reg = Arena.build((a) => buildMlp(LinearModel.parse({ kind: 'linear' }), toyVectors('regression', 4, 3, 2), a, 0), jsKernels).value;
  assert.equal(reg.trainStep(1).accuracy, undefined);
  assert.equal(reg.evaluate!(2).accuracy, undefined);
  const cls = Arena.build((a) => buildMlp(LinearModel.parse({ kind: 'linear' }), toyVectors('classification', 4, 3, 2), a, 0), jsKernels).value;
  const acc = cls.trainStep(1).accuracy!;
  assert.ok([0, 0.25, 0.5, 0.75, 1].includes(acc));
});

test('transformer refuses sequences longer than its context', () => {
  const spec = Transformer.parse({ kind: 'transformer', d_model: 8, heads: 2, layers: 1, d_ff: 8, context: 4 });
  assert.throws(() => Arena.build((a) => buildTransformer(spec, toyTokens('random', 2, 5, 7), a, 0), jsKernels), ConfigError);
});

test('a model given the wrong kind of data is a ConfigError (vectors for an LM, tokens for an mlp)', () => {
  const lstm = Lstm.parse({ kind: 'lstm' });
  assert.throws(() => Arena.build((a) => buildNeural(lstm, toyVectors('classification', 2, 3, 2), a, 0), jsKernels), ConfigError);
  const mlp = Mlp.parse({ kind: 'mlp' });
  assert.throws(() => Arena.build((a) => buildNeural(mlp, toyTokens('random', 2, 3, 4), a, 0), jsKernels), ConfigError);
});

test('linear model learns a linearly separable problem (softmax regression, SGD)', () => {
  const task = Arena.build((a) => buildMlp(LinearModel.parse({ kind: 'linear' }), toyVectors('classification', 32, 5, 3), a, 0), jsKernels).value;
  trainSgd(task, 300, 0.5);
  const val = task.evaluate!(4);
  assert.ok(val.accuracy! > 0.9, `accuracy ${val.accuracy}`);
});

test('mlp fits a smooth regression target (MSE falls by 10×)', () => {
  const task = Arena.build((a) => buildMlp(Mlp.parse({ kind: 'mlp', hidden: [32], activation: 'tanh' }), toyVectors('regression', 32, 3, 2), a, 0), jsKernels).value;
  const losses = trainSgd(task, 600, 0.2);
  assert.ok(mean(losses.slice(-50)) < mean(losses.slice(0, 10)) / 10, `${mean(losses.slice(0, 10))} → ${mean(losses.slice(-50))}`);
});

test('lstm learns a deterministic cycle (next token = current + 1 mod V) to near-zero loss', () => {
  const task = Arena.build((a) => buildLstm(Lstm.parse({ kind: 'lstm', embed: 8, hidden: 16 }), toyTokens('cycle', 8, 6, 5), a, 0), jsKernels).value;
  trainSgd(task, 300, 1);
  const val = task.evaluate!(2);
  assert.ok(val.loss < 0.1 && val.accuracy === 1, `val loss ${val.loss}, accuracy ${val.accuracy}`);
});

for (const norm of ['pre', 'post'] as const) {
  test(`transformer (${norm}-norm) learns a deterministic cycle to near-zero loss`, () => {
    const spec = Transformer.parse({ kind: 'transformer', d_model: 16, heads: 2, layers: 1, d_ff: 32, context: 6, norm });
    const task = Arena.build((a) => buildTransformer(spec, toyTokens('cycle', 8, 6, 5), a, 0), jsKernels).value;
    trainSgd(task, 300, 0.3);
    const val = task.evaluate!(2);
    assert.ok(val.loss < 0.1 && val.accuracy === 1, `val loss ${val.loss}, accuracy ${val.accuracy}`);
  });
}
