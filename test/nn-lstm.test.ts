// LSTM layer: BPTT gradients against finite differences for one layer and a two-layer stack, and
// the forward against the cell equations written out by hand for one step.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Arena, type Param } from '../src/nn/arena.js';
import { jsKernels } from '../src/wasm/kernels.js';
import { Rng } from '../src/base/rng.js';
import { lstmBuffers, lstmForward, lstmBackward, type LstmParams, type LstmBuffers } from '../src/nn/lstm.js';
import { assertGradient, project, randomFloats } from './nn-gradcheck.js';
import { assertClose } from './helpers.js';

function param(n: number, rng: Rng, scale: number): Param {
  return { w: randomFloats(n, rng, scale), g: new Float32Array(n) };
}

function layer(In: number, H: number, rng: Rng): LstmParams {
  return { wih: param(4 * H * In, rng, 0.6), whh: param(4 * H * H, rng, 0.6), bias: param(4 * H, rng, 0.5) };
}

function buffers(T: number, B: number, In: number, H: number): LstmBuffers {
  return Arena.build((arena) => lstmBuffers(arena, T, B, In, H), jsKernels).value;
}

test('lstm: one layer, BPTT gradients of input, W_ih, W_hh and bias match finite differences', () => {
  const rng = new Rng(21, 'lstm one layer');
  const T = 5, B = 3, In = 4, H = 6;
  const p = layer(In, H, rng);
  const buf = buffers(T, B, In, H);
  const x = randomFloats(T * B * In, rng);
  const r = randomFloats(T * B * H, rng); // loss on every step's output, as in the language model
  const f = () => {
    lstmForward(buf, p, x);
    return project(buf.h, r);
  };
  f();
  buf.dh.set(r);
  const dx = new Float32Array(x.length);
  lstmBackward(buf, p, x, dx);
  assertGradient('lstm dx', x, dx, f);
  assertGradient('lstm dW_ih', p.wih.w, p.wih.g, f);
  assertGradient('lstm dW_hh', p.whh.w, p.whh.g, f);
  assertGradient('lstm db', p.bias.w, p.bias.g, f);
});

test('lstm: two-layer stack, gradients reach the first layer and the input through both', () => {
  const rng = new Rng(22, 'lstm stack');
  const T = 4, B = 2, In = 3, H = 5;
  const p1 = layer(In, H, rng);
  const p2 = layer(H, H, rng);
  const b1 = buffers(T, B, In, H);
  const b2 = buffers(T, B, H, H);
  const x = randomFloats(T * B * In, rng);
  const r = randomFloats(T * B * H, rng);
  const f = () => {
    lstmForward(b1, p1, x);
    lstmForward(b2, p2, b1.h);
    return project(b2.h, r);
  };
  f();
  b1.dh.fill(0);
  b2.dh.set(r);
  const dx = new Float32Array(x.length);
  lstmBackward(b2, p2, b1.h, b1.dh);
  lstmBackward(b1, p1, x, dx);
  assertGradient('stack dx', x, dx, f);
  assertGradient('stack layer1 dW_ih', p1.wih.w, p1.wih.g, f);
  assertGradient('stack layer1 dW_hh', p1.whh.w, p1.whh.g, f);
  assertGradient('stack layer2 dW_hh', p2.whh.w, p2.whh.g, f);
  assertGradient('stack layer2 db', p2.bias.w, p2.bias.g, f);
});

test('lstm: the first two steps follow the cell equations (gate order i, f, g, o)', () => {
  // B = 1, In = 1, H = 1: every product is a scalar and the equations can be evaluated directly.
  const wih = [0.5, -0.3, 0.8, 0.1]; // rows i, f, g, o
  const whh = [0.2, 0.4, -0.6, 0.7];
  const bias = [0.1, 0.2, -0.1, 0.05];
  const p: LstmParams = {
    wih: { w: Float32Array.from(wih), g: new Float32Array(4) },
    whh: { w: Float32Array.from(whh), g: new Float32Array(4) },
    bias: { w: Float32Array.from(bias), g: new Float32Array(4) },
  };
  const buf = buffers(2, 1, 1, 1);
  const x = Float32Array.from([1.5, -0.7]);
  lstmForward(buf, p, x);
  const sig = (z: number) => 1 / (1 + Math.exp(-z));
  let h = 0;
  let c = 0;
  for (let t = 0; t < 2; t++) {
    const pre = (k: number) => wih[k]! * x[t]! + whh[k]! * h + bias[k]!;
    const i = sig(pre(0)), f = sig(pre(1)), g = Math.tanh(pre(2)), o = sig(pre(3));
    c = f * c + i * g;
    h = o * Math.tanh(c);
    assertClose(buf.c[t]!, c, 1e-6, 1e-7, `c_${t}`);
    assertClose(buf.h[t]!, h, 1e-6, 1e-7, `h_${t}`);
  }
  assert.ok(buf.h[1] !== 0);
});
