// conv2d and maxpool2d: the forward against a direct convolution written here (and a pooling worked by
// hand), gradient checks by central finite differences (nn-gradcheck.ts), and the wasm kernel set
// agreeing with the JS reference to float32 rounding.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../src/base/rng.js';
import { Arena } from '../src/nn/arena.js';
import { jsKernels, createKernels, type KernelSet } from '../src/wasm/kernels.js';
import {
  conv2dBackward, conv2dBuffers, conv2dForward, conv2dGeometry, conv2dParams, type Padding,
} from '../src/nn/conv2d.js';
import { maxPool2dBackward, maxPool2dBuffers, maxPool2dForward } from '../src/nn/maxpool2d.js';
import { assertGradient, project } from './nn-gradcheck.js';
import { assertClose } from './helpers.js';
import { MAX_BYTES_PER_STEP, MAX_TRIALS, quietestTrial } from './alloc-check.js';

interface ConvCase {
  B: number; C: number; H: number; W: number; Cout: number; k: number; stride: number; padding: Padding;
}

const CASES: ConvCase[] = [
  { B: 2, C: 3, H: 6, W: 5, Cout: 4, k: 3, stride: 1, padding: 'same' },
  { B: 2, C: 2, H: 7, W: 6, Cout: 3, k: 3, stride: 1, padding: 'valid' },
  { B: 1, C: 2, H: 7, W: 8, Cout: 3, k: 3, stride: 2, padding: 'same' },
  { B: 2, C: 3, H: 7, W: 6, Cout: 2, k: 3, stride: 2, padding: 'valid' },
  { B: 1, C: 2, H: 6, W: 7, Cout: 5, k: 4, stride: 2, padding: 'same' },
  { B: 2, C: 1, H: 6, W: 6, Cout: 4, k: 5, stride: 1, padding: 'same' },
  { B: 1, C: 4, H: 5, W: 5, Cout: 3, k: 2, stride: 1, padding: 'same' },
];

const label = (c: ConvCase) => `B=${c.B} C=${c.C} ${c.H}×${c.W} → ${c.Cout}, k=${c.k} s=${c.stride} ${c.padding}`;

/** A conv layer with seeded weights, bias, input and upstream gradient, in an arena of `kernels`. */
function convLayer(c: ConvCase, kernels: KernelSet = 'js') {
  const { value, arena } = Arena.build((arena) => {
    const rng = new Rng(17, 'nn-conv');
    const g = conv2dGeometry(c.C, c.H, c.W, c.Cout, c.k, c.stride, c.padding);
    const p = conv2dParams(arena, 'conv', g);
    const buf = conv2dBuffers(arena, g, c.B);
    const x = arena.floats(c.B * c.C * c.H * c.W);
    const dx = arena.floats(x.length);
    const r = arena.floats(buf.out.length);
    for (const a of [p.weight.w, p.bias.w, x, r]) for (let i = 0; i < a.length; i++) a[i] = rng.uniform() * 2 - 1;
    return { g, p, buf, x, dx, r };
  }, createKernels(kernels));
  return { ...value, kernels: arena.kernels };
}

// TensorFlow's rule, written out independently of conv2d.ts: 'same' gives ceil(n/s) outputs and pads
// max((out − 1)·s + k − n, 0) in total, the smaller half before; 'valid' pads nothing.
function tfAxis(n: number, k: number, s: number, padding: Padding): [out: number, before: number] {
  if (padding === 'valid') return [Math.floor((n - k) / s) + 1, 0];
  const out = Math.ceil(n / s);
  return [out, Math.floor(Math.max((out - 1) * s + k - n, 0) / 2)];
}

/** Direct convolution, one output element at a time, summed in float64. */
function directConv(c: ConvCase, x: Float32Array, w: Float32Array, bias: Float32Array): Float64Array {
  const [Ho, pt] = tfAxis(c.H, c.k, c.stride, c.padding);
  const [Wo, pl] = tfAxis(c.W, c.k, c.stride, c.padding);
  const out = new Float64Array(c.B * c.Cout * Ho * Wo);
  for (let b = 0; b < c.B; b++) {
    for (let o = 0; o < c.Cout; o++) {
      for (let oh = 0; oh < Ho; oh++) {
        for (let ow = 0; ow < Wo; ow++) {
          let sum = bias[o]!;
          for (let ch = 0; ch < c.C; ch++) {
            for (let ki = 0; ki < c.k; ki++) {
              for (let kj = 0; kj < c.k; kj++) {
                const ih = oh * c.stride + ki - pt;
                const iw = ow * c.stride + kj - pl;
                if (ih < 0 || ih >= c.H || iw < 0 || iw >= c.W) continue;
                sum += x[((b * c.C + ch) * c.H + ih) * c.W + iw]! * w[((o * c.C + ch) * c.k + ki) * c.k + kj]!;
              }
            }
          }
          out[((b * c.Cout + o) * Ho + oh) * Wo + ow] = sum;
        }
      }
    }
  }
  return out;
}

test('conv2d geometry: PyTorch same for stride 1 and odd k, TF same otherwise, valid floors', () => {
  // Stride 1, k = 5: (k − 1)/2 = 2 on each side, output the input's size (PyTorch padding='same').
  assert.deepEqual(conv2dGeometry(1, 28, 28, 32, 5, 1, 'same'), { C: 1, H: 28, W: 28, Cout: 32, k: 5, stride: 1, Ho: 28, Wo: 28, padTop: 2, padLeft: 2 });
  // Even k = 4, stride 1: 3 padding rows in total, 1 before and 2 after.
  const even = conv2dGeometry(1, 6, 6, 1, 4, 1, 'same');
  assert.deepEqual([even.Ho, even.padTop], [6, 1]);
  // Stride 2 on 7: ceil(7/2) = 4 outputs, total pad (4 − 1)·2 + 3 − 7 = 2, 1 before.
  const strided = conv2dGeometry(1, 7, 8, 1, 3, 2, 'same');
  assert.deepEqual([strided.Ho, strided.padTop, strided.Wo, strided.padLeft], [4, 1, 4, 0]);
  // Valid: floor((7 − 3)/2) + 1 = 3.
  assert.deepEqual([conv2dGeometry(1, 7, 7, 1, 3, 2, 'valid').Ho, conv2dGeometry(1, 7, 7, 1, 3, 2, 'valid').padTop], [3, 0]);
});

for (const c of CASES) {
  test(`conv2d forward matches a direct convolution: ${label(c)}`, () => {
    const { p, buf, x } = convLayer(c);
    conv2dForward(buf, p, x);
    const expected = directConv(c, x, p.weight.w, p.bias.w);
    assert.equal(buf.out.length, expected.length);
    for (let i = 0; i < expected.length; i++) assertClose(buf.out[i]!, expected[i]!, 1e-5, 1e-6, `out[${i}]`);
  });

  test(`conv2d gradients of input, weight and bias match finite differences: ${label(c)}`, () => {
    const { p, buf, x, dx, r } = convLayer(c);
    const f = () => {
      conv2dForward(buf, p, x);
      return project(buf.out, r);
    };
    f();
    buf.dout.set(r);
    conv2dBackward(buf, p, x, dx);
    assertGradient('conv2d dx', x, dx, f);
    assertGradient('conv2d dW', p.weight.w, p.weight.g, f);
    assertGradient('conv2d db', p.bias.w, p.bias.g, f);
  });
}

test('conv2d backward adds into the gradients, and skips dx when it is null', () => {
  const c = CASES[0]!;
  const { p, buf, x, dx, r } = convLayer(c);
  conv2dForward(buf, p, x);
  buf.dout.set(r);
  conv2dBackward(buf, p, x, dx);
  const once = { dx: Float32Array.from(dx), dw: Float32Array.from(p.weight.g), db: Float32Array.from(p.bias.g) };
  conv2dBackward(buf, p, x, null);
  assert.deepEqual([...dx], [...once.dx], 'dx untouched when null');
  for (let i = 0; i < once.dw.length; i++) assertClose(p.weight.g[i]!, 2 * once.dw[i]!, 1e-6, 1e-7, `dW[${i}]`);
  for (let i = 0; i < once.db.length; i++) assertClose(p.bias.g[i]!, 2 * once.db[i]!, 1e-6, 1e-7, `db[${i}]`);
});

test('maxpool2d 2×2/2 by hand: maxima, ties to the first in scan order, odd sizes floor, backward routes dout', () => {
  // One 5×5 plane: 'valid' pooling uses rows/columns 0–3 (floor((5 − 2)/2) + 1 = 2) and drops the last.
  const x = Float32Array.from([
    1, 3, 0, 2, 9,
    2, 0, 4, 4, 9,
    5, 5, 1, 0, 9,
    5, 5, 7, 8, 9,
    9, 9, 9, 9, 9,
  ]);
  const { value: buf } = Arena.build((a) => maxPool2dBuffers(a, 1, 1, 5, 5, 2, 2), jsKernels);
  maxPool2dForward(buf, x);
  assert.deepEqual([buf.Ho, buf.Wo], [2, 2]);
  assert.deepEqual([...buf.out], [3, 4, 5, 8]);
  // Top-right window {0, 2, 4, 4}: the tie goes to index 7 (row 1, column 2), the first 4 scanned.
  // Bottom-left window of four 5s: the first, index 10.
  assert.deepEqual([...buf.argmax], [1, 7, 10, 18]);
  buf.dout.set([10, 20, 30, 40]);
  const dx = new Float32Array(25).fill(1);
  maxPool2dBackward(buf, dx);
  const expected = new Float32Array(25).fill(1);
  expected[1] = 11; expected[7] = 21; expected[10] = 31; expected[18] = 41;
  assert.deepEqual([...dx], [...expected]);
});

for (const [k, stride] of [[2, 2], [3, 2], [2, 1]] as const) {
  test(`maxpool2d ${k}×${k}/${stride}: input gradient matches finite differences (distinct inputs)`, () => {
    const B = 2, C = 3, H = 7, W = 6;
    const { value: v } = Arena.build((a) => {
      const rng = new Rng(23, 'nn-conv/pool');
      const buf = maxPool2dBuffers(a, B, C, H, W, k, stride);
      const x = a.floats(B * C * H * W);
      // A shuffled ramp with steps of 0.1 ≫ δ = 0.01: no ties, and no perturbation changes an argmax.
      for (let i = 0; i < x.length; i++) x[i] = 0.1 * i;
      for (let i = x.length - 1; i > 0; i--) {
        const j = Math.floor(rng.uniform() * (i + 1));
        const t = x[i]!; x[i] = x[j]!; x[j] = t;
      }
      const r = a.floats(buf.out.length);
      for (let i = 0; i < r.length; i++) r[i] = rng.uniform() * 2 - 1;
      return { buf, x, r, dx: a.floats(x.length) };
    }, jsKernels);
    const f = () => {
      maxPool2dForward(v.buf, v.x);
      return project(v.buf.out, v.r);
    };
    f();
    v.buf.dout.set(v.r);
    maxPool2dBackward(v.buf, v.dx);
    assertGradient('maxpool2d dx', v.x, v.dx, f);
  });
}

for (const c of [CASES[0]!, CASES[4]!, { B: 3, C: 8, H: 14, W: 14, Cout: 16, k: 5, stride: 1, padding: 'same' } as ConvCase]) {
  test(`conv2d with the wasm kernels agrees with the JS kernels: ${label(c)}`, () => {
    const js = convLayer(c, 'js');
    const w = convLayer(c, 'wasm');
    assert.notEqual(w.kernels, jsKernels);
    conv2dForward(js.buf, js.p, js.x);
    w.kernels.conv2dForward(w.buf, w.p, w.x);
    js.buf.dout.set(js.r);
    w.buf.dout.set(w.r);
    conv2dBackward(js.buf, js.p, js.x, js.dx);
    w.kernels.conv2dBackward(w.buf, w.p, w.x, w.dx);
    // Products of C·k·k or Ho·Wo terms of size ≤ 1, summed in a different order: relative to the
    // largest entry of each array, the differences are float32 rounding (~1e-7 per term).
    for (const [name, a, e] of [
      ['out', w.buf.out, js.buf.out], ['dx', w.dx, js.dx], ['dW', w.p.weight.g, js.p.weight.g], ['db', w.p.bias.g, js.p.bias.g],
    ] as const) {
      const largest = e.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      for (let i = 0; i < e.length; i++) assertClose(a[i]!, e[i]!, 0, 1e-5 * largest, `${name}[${i}]`);
    }
  });
}

test('conv2d and maxpool2d forward + backward allocate nothing after warm-up', () => {
  const c: ConvCase = { B: 2, C: 2, H: 8, W: 8, Cout: 3, k: 3, stride: 1, padding: 'same' };
  const { value: v } = Arena.build((a) => {
    const g = conv2dGeometry(c.C, c.H, c.W, c.Cout, c.k, c.stride, c.padding);
    const p = conv2dParams(a, 'conv', g);
    const conv = conv2dBuffers(a, g, c.B);
    const pool = maxPool2dBuffers(a, c.B, c.Cout, g.Ho, g.Wo, 2, 2);
    const x = a.floats(c.B * c.C * c.H * c.W);
    const dx = a.floats(x.length);
    for (let i = 0; i < x.length; i++) x[i] = Math.sin(i);
    return { p, conv, pool, x, dx };
  }, jsKernels);
  const step = () => {
    conv2dForward(v.conv, v.p, v.x);
    maxPool2dForward(v.pool, v.conv.out);
    v.pool.dout.fill(1);
    v.conv.dout.fill(0);
    maxPool2dBackward(v.pool, v.conv.dout);
    conv2dBackward(v.conv, v.p, v.x, v.dx);
  };
  const { bytesPerStep, arrayBufferGrowth } = quietestTrial(step);
  assert.ok(arrayBufferGrowth <= 0, `ArrayBuffers grew by ${arrayBufferGrowth} bytes`);
  assert.ok(Number.isFinite(bytesPerStep), `all ${MAX_TRIALS} trials triggered a garbage collection (heavy allocation)`);
  assert.ok(bytesPerStep < MAX_BYTES_PER_STEP, `${bytesPerStep.toFixed(1)} heap bytes per step in the quietest trial`);
});

test('the wasm im2col and col2im equal the JS ones bit for bit (a copy; one f32 add per read, same order)', () => {
  for (const c of CASES) {
    const js = convLayer(c, 'js');
    const w = convLayer(c, 'wasm');
    const dcols = (v: typeof js) => { for (let i = 0; i < v.buf.dcols.length; i++) v.buf.dcols[i] = Math.sin(i); };
    dcols(js);
    dcols(w);
    const off = (c.B - 1) * c.C * c.H * c.W; // the last image: offsets are honoured
    jsKernels.im2col(js.buf.cols, js.x, off, js.g);
    w.kernels.im2col(w.buf.cols, w.x, off, w.g);
    assert.deepEqual([...w.buf.cols], [...js.buf.cols], `im2col ${label(c)}`);
    jsKernels.col2im(js.dx, off, js.buf.dcols, js.g);
    w.kernels.col2im(w.dx, off, w.buf.dcols, w.g);
    assert.deepEqual([...w.dx], [...js.dx], `col2im ${label(c)}`);
  }
});
