// The exact wasm kernels of the cnn step against their definitions and the JS reference, bit for bit:
// ReLU and max-pool (compare, select, copy: no rounding, so the wasm results must equal the TS loops'
// to the bit, −0 and NaN included), the conv's per-channel bias and its gradient, im2col / col2im at
// DeepOBS 2c2d's geometries, and the order in which the wasm matmul sums each output element, which
// its cache panels must not change.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../src/base/rng.js';
import { Arena } from '../src/nn/arena.js';
import { jsKernels, createKernels } from '../src/wasm/kernels.js';
import { maxPool2dBuffers, type MaxPool2dBuffers } from '../src/nn/maxpool2d.js';
import { conv2dGeometry } from '../src/nn/conv2d.js';
import type { Kernels } from '../src/nn/kernels.js';

/** The float32 bit patterns of a: equal patterns mean the same number, −0 ≠ +0, NaN = the same NaN. */
const bits = (a: Float32Array): number[] => [...new Uint32Array(a.buffer, a.byteOffset, a.length)];
/** The same for the results of additions, with every NaN as one value: which NaN an add of NaN or
 * ∞ − ∞ returns (sign, payload) is the hardware's choice, not the kernel's, and is not observable in
 * the CSVs (they print NaN). */
const sums = (a: Float32Array): number[] => bits(a).map((b, i) => (Number.isNaN(a[i]) ? -1 : b));

// Awkward values every exact kernel must pass through unchanged: signed zeros, NaN, infinities,
// subnormals, and values of both signs.
const SPECIALS = [0, -0, NaN, Infinity, -Infinity, 1e-45, -1e-45, 1, -1, 3.5, -2.25];

/** n values: mostly small integers (many ties), with the specials sprinkled in. */
function awkward(n: number, rng: Rng): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const r = rng.uniform();
    out.push(r < 0.2 ? SPECIALS[Math.floor(rng.uniform() * SPECIALS.length)]! : Math.floor(rng.uniform() * 7) - 3);
  }
  return out;
}

/** Buffers in an arena of `kernels`, one float in from the start (so the wasm side reads unaligned).
 * The builder runs twice (Arena.build sizes, then carves): it only allocates; kernels run after. */
function arrays<T>(kernels: Kernels, build: (floats: (n: number) => Float32Array, a: Arena) => T): T {
  return Arena.build((a) => {
    a.floats(1);
    return build((n) => a.floats(n), a);
  }, kernels).value;
}

for (const n of [1, 3, 4, 7, 61, 1027]) {
  test(`relu forward and backward, wasm = JS bit for bit on ${n} awkward values`, () => {
    const rng = new Rng(5, `wasm-exact/relu/${n}`);
    const inp = awkward(n, rng), dout = awkward(n, rng), dinp = awkward(n, rng);
    const run = (kernels: Kernels) => {
      const v = arrays(kernels, (floats) => ({ inp: floats(n), out: floats(n), dout: floats(n), dinp: floats(n) }));
      v.inp.set(inp); v.dout.set(dout); v.dinp.set(dinp);
      kernels.reluForward(v.out, v.inp, n);
      kernels.reluBackward(v.dinp, v.dout, v.inp, n);
      return v;
    };
    const js = run(jsKernels);
    const wasm = run(createKernels('wasm'));
    assert.deepEqual(bits(wasm.out), bits(js.out), 'relu forward');
    assert.deepEqual(sums(wasm.dinp), sums(js.dinp), 'relu backward');
  });
}

test('relu by definition: −0, NaN and negatives give +0; the backward leaves dinp untouched (even −0) where inp ≤ 0 or NaN', () => {
  const inp = [-0, 0, NaN, -1, 2, 5, -3, 1e-45, 7];
  const run = (kernels: Kernels) => {
    const v = arrays(kernels, (floats) => ({ inp: floats(9), out: floats(9), dout: floats(9), dinp: floats(9) }));
    v.inp.set(inp); v.dout.fill(0); v.dinp.fill(-0);
    kernels.reluForward(v.out, v.inp, 9);
    kernels.reluBackward(v.dinp, v.dout, v.inp, 9);
    return v;
  };
  // forward: x where x > 0, else +0. backward with dout = +0 into dinp = −0: −0 + 0 = +0 where inp > 0,
  // and −0 kept elsewhere (a masked add of 0 would turn those into +0 too).
  const out = bits(Float32Array.from([0, 0, 0, 0, 2, 5, 0, 1e-45, 7]));
  const dinp = bits(Float32Array.from([-0, -0, -0, -0, 0, 0, -0, 0, 0]));
  for (const kernels of [jsKernels, createKernels('wasm')]) {
    const v = run(kernels);
    assert.deepEqual(bits(v.out), out);
    assert.deepEqual(bits(v.dinp), dinp);
  }
});

interface PoolCase { B: number; C: number; H: number; W: number; k: number; stride: number }
const POOLS: PoolCase[] = [
  { B: 2, C: 3, H: 28, W: 28, k: 2, stride: 2 }, // 2c2d's first pool (B and C reduced)
  { B: 2, C: 3, H: 14, W: 14, k: 2, stride: 2 }, // its second
  { B: 1, C: 2, H: 13, W: 23, k: 2, stride: 2 }, // odd sizes: the last row/column dropped, scalar tail
  { B: 1, C: 2, H: 9, W: 21, k: 3, stride: 2 }, // overlapping windows on the stride-2 lane path
  { B: 1, C: 2, H: 7, W: 9, k: 2, stride: 1 }, // overlapping, scalar path
  { B: 1, C: 1, H: 9, W: 10, k: 3, stride: 3 },
];

/** A pool layer of `kernels` with input x, upstream gradient dout and a non-zero dx to add into. */
function poolRun(c: PoolCase, kernels: Kernels, x: number[], dout: number[], dx: number[]): { buf: MaxPool2dBuffers; dx: Float32Array } {
  const v = arrays(kernels, (floats, a) => ({ buf: maxPool2dBuffers(a, c.B, c.C, c.H, c.W, c.k, c.stride), x: floats(x.length), dx: floats(x.length) }));
  v.x.set(x); v.dx.set(dx); v.buf.dout.set(dout.slice(0, v.buf.dout.length));
  kernels.maxPool2dForward(v.buf, v.x);
  kernels.maxPool2dBackward(v.buf, v.dx);
  return v;
}

for (const c of POOLS) {
  test(`maxpool2d ${c.k}×${c.k}/${c.stride} on ${c.H}×${c.W}: wasm = JS bit for bit, ties, NaN and ±0 included`, () => {
    const rng = new Rng(9, `wasm-exact/pool/${c.H}x${c.W}/${c.k}/${c.stride}`);
    const n = c.B * c.C * c.H * c.W;
    const x = awkward(n, rng), dout = awkward(n, rng), dx = awkward(n, rng);
    const js = poolRun(c, jsKernels, x, dout, dx);
    const wasm = poolRun(c, createKernels('wasm'), x, dout, dx);
    assert.deepEqual(bits(wasm.buf.out), bits(js.buf.out), 'out');
    assert.deepEqual([...wasm.buf.argmax], [...js.buf.argmax], 'argmax');
    assert.deepEqual(sums(wasm.dx), sums(js.dx), 'dx');
  });
}

test('maxpool2d on the wasm lanes by hand: the first maximum in scan order wins, a NaN never replaces the best, ±0 tie', () => {
  // One 2×10 plane, 2×2/2: five windows, the first four on the four-lane path (2·0 + 2 + 7 ≤ 10).
  const x = [
    4, 4, -0, 0, NaN, 1, 2, 3, 6, 5,
    4, 9, 0, -0, 2, NaN, 3, 3, 6, 6,
  ];
  // Window 0 {4, 4, 4, 9}: 9 at index 11. Window 1 {−0, 0, 0, −0}: no value is > −0, so index 2 (−0).
  // Window 2 {NaN, 1, 2, NaN}: the corner NaN is the best and nothing compares greater: index 4.
  // Window 3 {2, 3, 3, 3}: the first 3, index 7. Window 4 {6, 5, 6, 6}: the corner, index 8.
  const c: PoolCase = { B: 1, C: 1, H: 2, W: 10, k: 2, stride: 2 };
  for (const kernels of [jsKernels, createKernels('wasm')]) {
    const { buf } = poolRun(c, kernels, x, [0, 0, 0, 0, 0], new Array<number>(20).fill(0));
    assert.deepEqual([...buf.argmax], [11, 2, 4, 7, 8]);
    assert.deepEqual(bits(buf.out), bits(Float32Array.from([9, -0, NaN, 3, 6])));
  }
});

test('per-channel bias add and bias gradient: wasm = JS bit for bit over several images and odd planes', () => {
  const B = 3, C = 5, plane = 7 * 7;
  const rng = new Rng(13, 'wasm-exact/bias');
  const out = awkward(B * C * plane, rng), bias = awkward(C, rng), dbias = awkward(C, rng);
  const dout = Array.from({ length: B * C * plane }, () => rng.uniform() * 2 - 1);
  const run = (kernels: Kernels) => {
    const v = arrays(kernels, (floats) => ({ out: floats(out.length), bias: floats(C), dbias: floats(C), dout: floats(dout.length) }));
    v.out.set(out); v.bias.set(bias); v.dbias.set(dbias); v.dout.set(dout);
    kernels.addChannelBias(v.out, v.bias, B, C, plane);
    kernels.addChannelSums(v.dbias, v.dout, B, C, plane);
    return v;
  };
  const js = run(jsKernels);
  const wasm = run(createKernels('wasm'));
  assert.deepEqual(sums(wasm.out), sums(js.out), 'bias add');
  assert.deepEqual(sums(wasm.dbias), sums(js.dbias), 'bias gradient');
});

test('the bias gradient sums each plane in float64, then adds per image: [2²⁴, 1, 1] gives 2²⁴ + 2', () => {
  // In float32, 2²⁴ + 1 rounds back to 2²⁴ (ties to even) twice; in float64 the plane sums to
  // 16777218, which float32 holds exactly. Two images: dbias = 0 + 16777218 + 16777218.
  for (const kernels of [jsKernels, createKernels('wasm')]) {
    const v = arrays(kernels, (floats) => ({ dbias: floats(1), dout: floats(6) }));
    v.dout.set([2 ** 24, 1, 1, 2 ** 24, 1, 1]);
    kernels.addChannelSums(v.dbias, v.dout, 2, 1, 3);
    assert.equal(v.dbias[0], 2 * (2 ** 24 + 2));
  }
});

// DeepOBS 2c2d's geometries (28×28 and 14×14, 5×5 same), then planes with H ≠ W, even kernels,
// stride 2 and 3, 'valid' padding and a kernel as large as the plane: the wasm fast path (one copy per
// patch row for stride 1 'same') and its general path must both move exactly what the JS loops move.
const IM2COL_CASES: [C: number, H: number, W: number, k: number, stride: number, padding: 'same' | 'valid'][] = [
  [1, 28, 28, 5, 1, 'same'], [3, 14, 14, 5, 1, 'same'], [2, 13, 13, 5, 1, 'same'],
  [2, 7, 12, 3, 1, 'same'], [2, 12, 7, 4, 1, 'same'], [1, 9, 6, 2, 2, 'same'],
  [2, 11, 8, 3, 2, 'valid'], [1, 10, 13, 5, 3, 'same'], [1, 6, 5, 5, 1, 'valid'],
];

test('im2col and col2im: wasm = JS bit for bit, at 2c2d geometries and at odd ones', () => {
  for (const [C, H, W, k, stride, padding] of IM2COL_CASES) {
    const what = `${C}×${H}×${W}, k ${k}, stride ${stride}, ${padding}`;
    const g = conv2dGeometry(C, H, W, 4, k, stride, padding);
    const rng = new Rng(3, `wasm-exact/im2col/${what}`);
    const x = awkward(2 * C * H * W, rng);
    const dcols = awkward(C * k * k * g.Ho * g.Wo, rng);
    const run = (kernels: Kernels) => {
      const v = arrays(kernels, (floats) => ({ x: floats(x.length), dx: floats(x.length), cols: floats(dcols.length), dcols: floats(dcols.length) }));
      v.x.set(x); v.dx.set(x); v.dcols.set(dcols);
      kernels.im2col(v.cols, v.x, C * H * W, g); // the second image
      kernels.col2im(v.dx, C * H * W, v.dcols, g);
      return v;
    };
    const js = run(jsKernels);
    const wasm = run(createKernels('wasm'));
    assert.deepEqual(bits(wasm.cols), bits(js.cols), `im2col ${what}`);
    assert.deepEqual(sums(wasm.dx), sums(js.dx), `col2im ${what}`);
  }
});

// The wasm matmul's summation order, written out independently: A·B and Aᵀ·B add the products of each
// output element one k at a time in float32 from 0 (then onto C when accumulating); A·Bᵀ keeps four
// float32 partial sums (k mod 4), combines them as (s₀ + s₂) + (s₁ + s₃) (K a multiple of 4 here, so
// no tail). Shapes with edge tiles in both directions (they fit in one cache panel since the panels grew;
// test/wasm-matmul.test.ts spans several).
function matmulExpected(a: Float32Array, b: Float32Array, c0: Float32Array, M: number, N: number, K: number, transA: boolean, transB: boolean): Float32Array {
  const f = Math.fround;
  const out = new Float32Array(M * N);
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      const x = (k: number) => (transA ? a[k * M + i]! : a[i * K + k]!);
      const y = (k: number) => (transB ? b[j * K + k]! : b[k * N + j]!);
      let sum: number;
      if (transB) {
        const s = [0, 0, 0, 0];
        for (let k = 0; k < K; k++) s[k % 4] = f(s[k % 4]! + f(x(k) * y(k)));
        sum = f(f(s[0]! + s[2]!) + f(s[1]! + s[3]!));
      } else {
        sum = 0;
        for (let k = 0; k < K; k++) sum = f(sum + f(x(k) * y(k)));
      }
      out[i * N + j] = f(c0[i * N + j]! + sum);
    }
  }
  return out;
}

for (const [M, N, K, transA, transB] of [
  [6, 203, 400, false, false], [9, 150, 300, true, false], [7, 301, 200, false, true],
] as const) {
  test(`wasm matmul ${transA ? 'Aᵀ' : 'A'}·${transB ? 'Bᵀ' : 'B'} ${M}×${N}×${K}: each element summed in the kernel's order, edge tiles included`, () => {
    const rng = new Rng(11, `wasm-exact/matmul/${M}x${N}x${K}`);
    const wasm = createKernels('wasm');
    const v = arrays(wasm, (floats) => ({ a: floats(M * K), b: floats(K * N), c: floats(M * N) }));
    for (const arr of [v.a, v.b, v.c]) for (let i = 0; i < arr.length; i++) arr[i] = rng.uniform() * 2 - 1;
    const expected = matmulExpected(v.a, v.b, v.c, M, N, K, transA, transB);
    wasm.matmul(v.c, v.a, v.b, M, N, K, transA, transB, true);
    assert.deepEqual(bits(v.c), bits(expected));
  });
}

test('fillZero: x[0, n) becomes +0 and the floats after n keep their values, wasm and JS alike', () => {
  for (const kernels of [jsKernels, createKernels('wasm')]) {
    const v = arrays(kernels, (floats) => ({ x: floats(11) }));
    v.x.set([-0, NaN, 1, -1, Infinity, 5e-45, 2, 3, 4, 5, 6]);
    kernels.fillZero(v.x, 7);
    assert.deepEqual(bits(v.x), bits(Float32Array.from([0, 0, 0, 0, 0, 0, 0, 3, 4, 5, 6])));
  }
});
