// Causal multi-head self-attention: gradients against finite differences, causality (the output at
// position t does not depend on inputs after t), and a case computable by hand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Arena } from '../src/nn/arena.js';
import { jsKernels } from '../src/wasm/kernels.js';
import { Rng } from '../src/base/rng.js';
import { attentionBuffers, attentionForward, attentionBackward } from '../src/nn/attention.js';
import { assertGradient, project, randomFloats } from './nn-gradcheck.js';
import { assertClose } from './helpers.js';

function setup(B: number, T: number, C: number, NH: number, seed: number) {
  const rng = new Rng(seed, 'attention');
  const buf = Arena.build((arena) => attentionBuffers(arena, B, T, C, NH), jsKernels).value;
  const qkv = randomFloats(B * T * 3 * C, rng, 1.5);
  const out = new Float32Array(B * T * C);
  return { rng, buf, qkv, out };
}

test('attention: the gradient w.r.t. q, k and v matches finite differences', () => {
  const B = 2, T = 5, C = 6, NH = 2;
  const { rng, buf, qkv, out } = setup(B, T, C, NH, 1);
  const r = randomFloats(B * T * C, rng);
  const f = () => {
    attentionForward(buf, out, qkv);
    return project(out, r);
  };
  f();
  const dqkv = new Float32Array(qkv.length);
  attentionBackward(buf, dqkv, r, qkv);
  assertGradient('attention dqkv', qkv, dqkv, f);
});

test('attention: output at position t is independent of the inputs after t (causal)', () => {
  const B = 2, T = 7, C = 8, NH = 4;
  const { rng, buf, qkv, out } = setup(B, T, C, NH, 2);
  attentionForward(buf, out, qkv);
  const before = Float32Array.from(out);
  const t = 3;
  // Overwrite q, k and v of every position after t in both sequences.
  for (let b = 0; b < B; b++) {
    for (let s = t + 1; s < T; s++) {
      for (let e = 0; e < 3 * C; e++) qkv[(b * T + s) * 3 * C + e] = rng.uniform() * 10 - 5;
    }
  }
  attentionForward(buf, out, qkv);
  for (let b = 0; b < B; b++) {
    for (let s = 0; s < T; s++) {
      const row = (b * T + s) * C;
      const same = out.subarray(row, row + C).every((v, e) => v === before[row + e]);
      assert.equal(same, s <= t, `batch ${b} position ${s} ${s <= t ? 'changed' : 'unchanged'}`);
    }
  }
  // And the gradient reaching inputs after t from outputs up to t is zero.
  const dout = new Float32Array(B * T * C);
  for (let b = 0; b < B; b++) for (let s = 0; s <= t; s++) for (let e = 0; e < C; e++) dout[(b * T + s) * C + e] = 1;
  const dqkv = new Float32Array(qkv.length);
  attentionBackward(buf, dqkv, dout, qkv);
  for (let b = 0; b < B; b++) {
    for (let s = t + 1; s < T; s++) {
      for (let e = 0; e < 3 * C; e++) assert.equal(dqkv[(b * T + s) * 3 * C + e], 0);
    }
  }
});

test('attention: position 0 returns its own v; position 1 mixes v₀, v₁ by softmax(q₁·k/√hs)', () => {
  const B = 1, T = 2, C = 2, NH = 1; // hs = 2
  const { buf, out } = setup(B, T, C, NH, 3);
  // rows [q | k | v]
  const qkv = Float32Array.from([0.3, 0.1, 1, 0, 2, -1, /* t=1 */ 1, 2, 0, 1, 5, 7]);
  attentionForward(buf, out, qkv);
  assert.deepEqual([...out.subarray(0, 2)], [2, -1]);
  // q₁ = (1, 2); k₀ = (1, 0), k₁ = (0, 1): scores 1/√2 and 2/√2
  const s0 = Math.exp(1 / Math.SQRT2);
  const s1 = Math.exp(2 / Math.SQRT2);
  const a0 = s0 / (s0 + s1);
  const a1 = s1 / (s0 + s1);
  assertClose(out[2]!, a0 * 2 + a1 * 5, 1e-6);
  assertClose(out[3]!, a0 * -1 + a1 * 7, 1e-6);
});
