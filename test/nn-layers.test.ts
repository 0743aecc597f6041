// Gradient checks (central finite differences, see nn-gradcheck.ts for the tolerance) for the simple
// layers, plus the properties of the loss heads: softmax-CE stable for huge logits, MSE by hand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../src/base/rng.js';
import { linearForward, linearBackward } from '../src/nn/linear.js';
import { jsKernels } from '../src/wasm/kernels.js';
import { embeddingForward, embeddingBackward } from '../src/nn/embedding.js';
import { activationForward, activationBackward, type Activation } from '../src/nn/activation.js';
import { layernormForward, layernormBackward } from '../src/nn/layernorm.js';
import { residualForward, residualBackward } from '../src/nn/residual.js';
import { softmaxCrossEntropyForward, softmaxCrossEntropyBackward, countCorrect } from '../src/nn/crossentropy.js';
import { mseForward, mseBackward } from '../src/nn/mse.js';
import { assertGradient, gradCheck, project, randomFloats } from './nn-gradcheck.js';
import { assertClose } from './helpers.js';

/** A linear layer N=5, C=7, OC=6 (odd sizes: every matmul edge tile is used) with L = Σ r·out. */
function linearCase() {
  const rng = new Rng(7, 'linear case');
  const N = 5, C = 7, OC = 6;
  const x = randomFloats(N * C, rng);
  const w = randomFloats(OC * C, rng);
  const b = randomFloats(OC, rng);
  const r = randomFloats(N * OC, rng);
  const out = new Float32Array(N * OC);
  const f = () => {
    linearForward(jsKernels, out, x, w, b, N, C, OC);
    return project(out, r);
  };
  f();
  const dx = new Float32Array(N * C);
  const dw = new Float32Array(OC * C);
  const db = new Float32Array(OC);
  linearBackward(jsKernels, dx, dw, db, r, x, w, N, C, OC);
  return { N, C, OC, x, w, b, dx, dw, db, f };
}

test('linear: gradients of input, weight and bias match finite differences', () => {
  const { x, w, b, dx, dw, db, f } = linearCase();
  assertGradient('linear dx', x, dx, f);
  assertGradient('linear dW', w, dw, f);
  assertGradient('linear db', b, db, f);
});

test('linear: backward adds into existing gradients instead of overwriting them', () => {
  const { N, C, OC, x, w, dx, dw, db } = linearCase();
  const r = new Float32Array(N * OC).fill(1);
  const dx2 = Float32Array.from(dx);
  const dw2 = Float32Array.from(dw);
  const db2 = Float32Array.from(db);
  linearBackward(jsKernels, dx2, dw2, db2, r, x, w, N, C, OC);
  // With dout = 1: db gains N per output; dx[n, c] gains Σ_o W[o, c].
  for (let o = 0; o < OC; o++) assertClose(db2[o]!, db[o]! + N, 1e-6, 1e-6);
  let colSum = 0;
  for (let o = 0; o < OC; o++) colSum += w[o * C + 2]!;
  assertClose(dx2[3 * C + 2]!, dx[3 * C + 2]! + colSum, 1e-5, 1e-6);
});

test('the gradient check would catch a transposed index, a flipped sign and a missing term', () => {
  const { C, OC, w, dw, db, b, f } = linearCase();
  // Transposed weight gradient: dW read as C×OC instead of OC×C.
  const transposed = new Float32Array(dw.length);
  for (let o = 0; o < OC; o++) for (let c = 0; c < C; c++) transposed[o * C + c] = dw[(c * OC + o) % dw.length]!;
  assert.ok(gradCheck(w, transposed, f).worstRatio > 10, 'transposed index not caught');
  // Flipped sign of one entry.
  const flipped = Float32Array.from(dw);
  flipped[4] = -flipped[4]!;
  assert.ok(gradCheck(w, flipped, f).worstRatio > 10, 'sign flip not caught');
  // Missing bias gradient for one output (a dropped term).
  const missing = Float32Array.from(db);
  missing[2] = 0;
  assert.ok(gradCheck(b, missing, f).worstRatio > 10, 'missing term not caught');
});

test('embedding: the table gradient (scatter-add, repeated ids) matches finite differences', () => {
  const rng = new Rng(3, 'embedding');
  const N = 9, C = 5, rows = 4;
  const ids = Int32Array.from([0, 3, 3, 1, 0, 3, 2, 2, 3]);
  const table = randomFloats(rows * C, rng);
  const base = randomFloats(N * C, rng); // accumulate onto an existing activation
  const r = randomFloats(N * C, rng);
  const out = new Float32Array(N * C);
  const f = () => {
    out.set(base);
    embeddingForward(out, ids, table, N, C, true);
    return project(out, r);
  };
  f();
  const dtable = new Float32Array(rows * C);
  embeddingBackward(dtable, r, ids, N, C);
  assertGradient('embedding dtable', table, dtable, f);
  // Overwrite mode copies the rows.
  embeddingForward(out, ids, table, N, C, false);
  assert.deepEqual([...out.subarray(2 * C, 3 * C)], [...table.subarray(3 * C, 4 * C)]);
});

for (const kind of ['relu', 'tanh', 'gelu'] as Activation[]) {
  test(`activation ${kind}: gradient matches finite differences`, () => {
    const rng = new Rng(5, kind);
    const n = 40;
    const x = randomFloats(n, rng, 3);
    // Keep inputs away from ReLU's kink at 0 (the difference quotient straddling it is meaningless).
    for (let i = 0; i < n; i++) if (Math.abs(x[i]!) < 0.05) x[i] = 0.5;
    const r = randomFloats(n, rng);
    const out = new Float32Array(n);
    const f = () => {
      activationForward(jsKernels, kind, out, x, n);
      return project(out, r);
    };
    f();
    const dx = new Float32Array(n);
    activationBackward(jsKernels, kind, dx, r, x, out, n);
    assertGradient(`${kind} dx`, x, dx, f, { eps: 1e-2 });
  });
}

test('activation values: relu(−1)=0, tanh(0.5), gelu(1) = ½(1 + tanh(√(2/π)·1.044715))', () => {
  const x = Float32Array.from([-1, 0.5, 1]);
  const out = new Float32Array(3);
  activationForward(jsKernels, 'relu', out, x, 3);
  assert.deepEqual([...out], [0, 0.5, 1]);
  activationForward(jsKernels, 'tanh', out, x, 3);
  assertClose(out[1]!, Math.tanh(0.5), 1e-6);
  activationForward(jsKernels, 'gelu', out, x, 3);
  assertClose(out[2]!, 0.5 * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * 1.044715)), 1e-6);
  // Far tails: gelu(−100) = 0 and gelu(100) = 100, finite gradients 0 and 1.
  const tails = Float32Array.from([-100, 100]);
  const y = new Float32Array(2);
  activationForward(jsKernels, 'gelu', y, tails, 2);
  assert.ok(Math.abs(y[0]!) === 0 && y[1] === 100);
  const dy = new Float32Array(2);
  activationBackward(jsKernels, 'gelu', dy, Float32Array.from([1, 1]), tails, y, 2);
  assert.deepEqual([...dy], [0, 1]);
});

test('layernorm: gradients of input, weight and bias match finite differences; output is normalised', () => {
  const rng = new Rng(11, 'layernorm');
  const N = 4, C = 9;
  const x = randomFloats(N * C, rng, 2);
  const w = randomFloats(C, rng);
  const b = randomFloats(C, rng);
  const r = randomFloats(N * C, rng);
  const out = new Float32Array(N * C);
  const mean = new Float32Array(N);
  const rstd = new Float32Array(N);
  const f = () => {
    layernormForward(out, mean, rstd, x, w, b, N, C);
    return project(out, r);
  };
  f();
  const dx = new Float32Array(N * C);
  const dw = new Float32Array(C);
  const db = new Float32Array(C);
  layernormBackward(dx, dw, db, r, x, w, mean, rstd, N, C);
  assertGradient('layernorm dx', x, dx, f, { eps: 3e-3 });
  assertGradient('layernorm dW', w, dw, f);
  assertGradient('layernorm db', b, db, f);
  // With weight 1 and bias 0 each row has mean 0 and (biased) variance var/(var + ε) ≈ 1.
  const ones = new Float32Array(C).fill(1);
  layernormForward(out, mean, rstd, x, ones, new Float32Array(C), N, C);
  let s = 0, s2 = 0;
  for (let c = 0; c < C; c++) {
    s += out[C + c]!;
    s2 += out[C + c]! ** 2;
  }
  assertClose(s / C, 0, 0, 1e-6);
  assertClose(s2 / C, 1, 1e-3);
});

test('residual: both branches receive the output gradient', () => {
  const rng = new Rng(2, 'residual');
  const n = 6;
  const a = randomFloats(n, rng);
  const b = randomFloats(n, rng);
  const r = randomFloats(n, rng);
  const out = new Float32Array(n);
  const f = () => {
    residualForward(out, a, b, n);
    return project(out, r);
  };
  f();
  const da = new Float32Array(n);
  const db = new Float32Array(n);
  residualBackward(da, db, r, n);
  assertGradient('residual da', a, da, f);
  assertGradient('residual db', b, db, f);
});

test('softmax cross-entropy: gradient of the mean loss w.r.t. logits matches finite differences', () => {
  const rng = new Rng(13, 'softmax-ce');
  const N = 6, V = 7;
  const logits = randomFloats(N * V, rng, 3);
  const targets = Int32Array.from([0, 6, 3, 3, 1, 5]);
  const probs = new Float32Array(N * V);
  const f = () => softmaxCrossEntropyForward(probs, logits, targets, N, V);
  f();
  const dlogits = new Float32Array(N * V);
  softmaxCrossEntropyBackward(dlogits, probs, targets, N, V, 1 / N);
  assertGradient('softmax-ce dlogits', logits, dlogits, f);
});

test('softmax cross-entropy: the loss is −log softmax computed by hand', () => {
  // logits [1, 2, 3], target 0: loss = log(e¹ + e² + e³) − 1
  const probs = new Float32Array(3);
  const loss = softmaxCrossEntropyForward(probs, Float32Array.from([1, 2, 3]), Int32Array.from([0]), 1, 3);
  assertClose(loss, Math.log(Math.E + Math.E ** 2 + Math.E ** 3) - 1, 1e-7);
  assertClose(probs[2]!, Math.E ** 3 / (Math.E + Math.E ** 2 + Math.E ** 3), 1e-6);
});

test('softmax cross-entropy: stable for huge logits (no Infinity or NaN)', () => {
  // Row 0: logits ±1e30, target on the loser: loss = 2e30 exactly (logΣexp = 1e30). Row 1: shifting all
  // logits by 1e4 leaves the loss unchanged (= log 2 for two equal logits).
  const logits = Float32Array.from([1e30, -1e30, 1e4, 1e4]);
  const targets = Int32Array.from([1, 0]);
  const probs = new Float32Array(4);
  const loss = softmaxCrossEntropyForward(probs, logits, targets, 2, 2);
  assert.ok(Number.isFinite(loss));
  assertClose(loss, (2e30 + Math.log(2)) / 2, 1e-6);
  assert.deepEqual([...probs], [1, 0, 0.5, 0.5]);
  const d = new Float32Array(4);
  softmaxCrossEntropyBackward(d, probs, targets, 2, 2, 0.5);
  assert.deepEqual([...d], [0.5, -0.5, -0.25, 0.25]);
});

test('countCorrect: arg-max equals target, first index on ties', () => {
  const logits = Float32Array.from([0, 2, 1, 5, 5, 0, 3, 3, 3]);
  assert.equal(countCorrect(logits, Int32Array.from([1, 0, 0]), 3, 3), 3);
  assert.equal(countCorrect(logits, Int32Array.from([2, 1, 2]), 3, 3), 0);
});

test('mse: mean of squared differences, gradient matches finite differences', () => {
  const pred = Float32Array.from([1, 2, 3, 4]);
  const target = Float32Array.from([0, 2, 5, 3]);
  // (1 + 0 + 4 + 1)/4 = 1.5
  assertClose(mseForward(pred, target, 4), 1.5, 1e-7);
  const rng = new Rng(17, 'mse');
  const p = randomFloats(10, rng);
  const t = randomFloats(10, rng);
  const dp = new Float32Array(10);
  mseBackward(dp, p, t, 10, 1);
  assertGradient('mse dpred', p, dp, () => mseForward(p, t, 10));
});
