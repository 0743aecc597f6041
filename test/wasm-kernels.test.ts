// The wasm SIMD kernels against their TypeScript references (src/optim/*, src/nn/matmul.ts): random
// inputs at three magnitudes (1e-20, 1, 1e15), lengths that are not multiples of 4 (the scalar tails),
// unaligned offsets, every transpose. The gradient norm's Σx² and clipping's scaling must agree bit for
// bit (trace.csv prints ‖g‖₂ at full precision); the others within the bounds below.
//
// Tolerances. The TS kernels evaluate each element in float64 and round once when storing; the wasm
// kernels evaluate in float32, rounding after every operation (u = 2⁻²⁴ per rounding). So the bound
// is stated against the *magnitude of the terms* S (the sum of the absolute values of what is added),
// which is what rounding errors scale with:
//   optimizer outputs: |wasm − js| ≤ 32u·S            (≈ 1.9e-6·S; a step has about ten roundings)
//   matmul:            |wasm − js| ≤ (K + 4)u·Σ_k|a_ik·b_kj| + 2u·|C_before|   (float32 dot product)
//   LSTM layer:        |wasm − js| ≤ 1e-5·(1 + |js|) for outputs (gates, c, h are O(1)), and
//                      ≤ 1e-5·(1 + max|js|) for gradients (sums over T·B rows): the matmul bound at
//                      K = In + H, a few ulps per exp-based nonlinearity, compounded over T steps
// and an absolute floor of 1e-37 for results that fall into float32's subnormal range.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../src/base/rng.js';
import { WASM_PAGE, WasmKernels, wasmUnavailableReason } from '../src/wasm/wasm-kernels.js';
import { createKernels, type KernelSet } from '../src/wasm/kernels.js';
import { sgdStep } from '../src/optim/sgd.js';
import { adamStep, secondMomentOnlyStep } from '../src/optim/adam.js';
import { radamStep } from '../src/optim/radam.js';
import { scaleInPlace, sumOfSquares } from '../src/optim/clip.js';
import { SUM_CHUNK } from '../src/optim/chunks.js';
import { matmul } from '../src/nn/matmul.js';
import { Arena } from '../src/nn/arena.js';
import { lstmBuffers, lstmParams, lstmForward, lstmBackward } from '../src/nn/lstm.js';

const U = 2 ** -24;
const OPT_TOL = 32 * U;
const FLOOR = 1e-37;
const LSTM_TOL = 1e-5;
const SCALES = [1e-20, 1, 1e15];
const LENGTHS = [1, 3, 4, 7, 61, 1027];

assert.equal(wasmUnavailableReason(), undefined, 'the wasm kernels must be built and runnable for these tests');

/** Float32Arrays carved from one wasm kernel instance's memory at deliberately unaligned offsets. */
class Slab {
  readonly kernels = new WasmKernels();
  private readonly buffer = this.kernels.memory(64 * WASM_PAGE);
  private used = 1; // start one float in: no view is 16-byte aligned by accident
  floats(values: ArrayLike<number>): Float32Array {
    const view = new Float32Array(this.buffer, this.used * 4, values.length);
    view.set(values);
    this.used += values.length + 1;
    return view;
  }
}

function randomFloats(n: number, scale: number, rng: Rng, positive = false): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const x = scale * rng.normal();
    out[i] = positive ? Math.abs(x) : x;
  }
  return out;
}

/** Every element: |actual − expected| ≤ tol·scale + FLOOR. */
function assertWithin(actual: Float32Array, expected: Float32Array, scale: ArrayLike<number>, tol: number, what: string): void {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < actual.length; i++) {
    const bound = tol * scale[i]! + FLOOR;
    const diff = Math.abs(actual[i]! - expected[i]!);
    if (!(diff <= bound)) assert.fail(`${what}[${i}]: wasm ${actual[i]} vs js ${expected[i]} (diff ${diff}, bound ${bound})`);
  }
}

/**
 * √Σd² of two update norms agree within the norm of the per-element bounds. The wasm kernels square
 * the deltas in float32 (see src/wasm/assembly/optim.ts), exact for 1e-19 ≲ |Δθ| ≲ 1e19: at the 1e-20
 * scale the squares underflow into float32's subnormals, whose spacing is 1.4e-45: there each square
 * may be off by that much, or lost.
 */
function assertNormWithin(wasmSumSq: number, jsSumSq: number, pScale: ArrayLike<number>, what: string, scale: number): void {
  if (scale < 1e-15) {
    const slack = 1.4e-45 * pScale.length + 1e-5 * jsSumSq;
    assert.ok(wasmSumSq <= jsSumSq + slack, `${what}: Σ(Δθ)² wasm ${wasmSumSq} above js ${jsSumSq}`);
    return;
  }
  let s = 0;
  for (let i = 0; i < pScale.length; i++) s += (OPT_TOL * pScale[i]! + FLOOR) ** 2;
  const diff = Math.abs(Math.sqrt(wasmSumSq) - Math.sqrt(jsSumSq));
  assert.ok(diff <= Math.sqrt(s) * 1.01 + 1e-300, `${what}: update norm wasm ${Math.sqrt(wasmSumSq)} vs js ${Math.sqrt(jsSumSq)}`);
}

// ---- optimizer steps ------------------------------------------------------------------------------

interface Moments {
  p: Float32Array;
  g: Float32Array;
  m: Float32Array;
  v: Float32Array;
  vmax: Float32Array;
}

function moments(n: number, scale: number, seed: number): Moments {
  const rng = new Rng(seed, 'wasm-kernels/moments');
  return {
    p: randomFloats(n, scale, rng),
    g: randomFloats(n, scale, rng),
    m: randomFloats(n, scale * 0.1, rng),
    v: randomFloats(n, scale * scale * 0.01, rng, true),
    vmax: randomFloats(n, scale * scale * 0.02, rng, true),
  };
}

/** The same state twice: plain copies for the TS kernel, views of wasm memory for the wasm kernel. */
function twin(s: Moments): { js: Moments; wasm: Moments; slab: Slab } {
  const slab = new Slab();
  const copy = (x: Float32Array): Float32Array => Float32Array.from(x);
  return {
    js: { p: copy(s.p), g: copy(s.g), m: copy(s.m), v: copy(s.v), vmax: copy(s.vmax) },
    wasm: { p: slab.floats(s.p), g: slab.floats(s.g), m: slab.floats(s.m), v: slab.floats(s.v), vmax: slab.floats(s.vmax) },
    slab,
  };
}

/** Magnitude of g' = g + l2·θ, and of the first- and second-moment updates. */
function scalesOf(s: Moments, i: number, beta1: number, beta2: number, l2: number): { G: number; M: number; V: number } {
  const G = Math.abs(s.g[i]!) + Math.abs(l2 * s.p[i]!);
  return { G, M: beta1 * Math.abs(s.m[i]!) + (1 - beta1) * G, V: beta2 * s.v[i]! + (1 - beta2) * G * G };
}

for (const scale of SCALES) {
  for (const n of LENGTHS) {
    test(`sgd step (momentum, nesterov, dampening, first step) agrees with the TS kernel: n=${n}, scale ${scale}`, () => {
      const cases = [
        { lr: 0.1, momentum: 0, dampening: 0, nesterov: false, weightDecay: 0, firstStep: false },
        { lr: 0.05, momentum: 0.9, dampening: 0, nesterov: false, weightDecay: 1e-2, firstStep: true },
        { lr: 0.05, momentum: 0.9, dampening: 0.1, nesterov: false, weightDecay: 0, firstStep: false },
        { lr: 0.01, momentum: 0.8, dampening: 0, nesterov: true, weightDecay: 5e-4, firstStep: false },
      ];
      for (const [c, s] of cases.entries()) {
        const state = moments(n, scale, 10 * n + c);
        const { js, wasm, slab } = twin(state);
        const sumJs = sgdStep(js.p, js.g, js.m, n, s);
        const sumWasm = slab.kernels.sgdStep(wasm.p, wasm.g, wasm.m, n, s);
        // d = g + wd·θ;  b = μb + (1 − dampening)d;  step = nesterov ? d + μb : b
        const bScale = new Float64Array(n);
        const pScale = new Float64Array(n);
        for (let i = 0; i < n; i++) {
          const d = Math.abs(state.g[i]!) + Math.abs(s.weightDecay * state.p[i]!);
          const b = s.momentum === 0 ? d : s.firstStep ? d : s.momentum * Math.abs(state.m[i]!) + (1 - s.dampening) * d;
          bScale[i] = b;
          pScale[i] = Math.abs(state.p[i]!) + s.lr * (s.nesterov ? d + s.momentum * b : b);
        }
        assertWithin(wasm.p, js.p, pScale, OPT_TOL, `sgd case ${c} θ`);
        if (s.momentum !== 0) assertWithin(wasm.m, js.m, bScale, OPT_TOL, `sgd case ${c} momentum buffer`);
        assertNormWithin(sumWasm, sumJs, pScale, `sgd case ${c}`, scale);
      }
    });

    test(`adam / adamw / amsgrad step agrees with the TS kernel: n=${n}, scale ${scale}`, () => {
      const beta1 = 0.9;
      const beta2 = 0.999;
      const t = 7;
      const lr = 1e-3;
      const variants = [
        { name: 'adam + L2', l2: 1e-2, decayFactor: 1, amsgrad: false },
        { name: 'adamw', l2: 0, decayFactor: 1 - lr * 0.01, amsgrad: false },
        { name: 'amsgrad', l2: 0, decayFactor: 1, amsgrad: true },
      ];
      for (const [c, s] of variants.entries()) {
        const state = moments(n, scale, 20 * n + c);
        const { js, wasm, slab } = twin(state);
        const eps = 1e-8;
        const scalars = { stepSize: lr / (1 - beta1 ** t), beta1, beta2, biasCorrection2Sqrt: Math.sqrt(1 - beta2 ** t), eps, l2: s.l2, decayFactor: s.decayFactor };
        const sumJs = adamStep(js.p, js.g, js.m, js.v, s.amsgrad ? js.vmax : null, n, scalars);
        const sumWasm = slab.kernels.adamStep(wasm.p, wasm.g, wasm.m, wasm.v, s.amsgrad ? wasm.vmax : null, n, scalars);
        const mScale = new Float64Array(n);
        const vScale = new Float64Array(n);
        const pScale = new Float64Array(n);
        for (let i = 0; i < n; i++) {
          const { M, V } = scalesOf(state, i, beta1, beta2, s.l2);
          const denom = Math.sqrt(s.amsgrad ? Math.max(js.v[i]!, state.vmax[i]!) : js.v[i]!) / scalars.biasCorrection2Sqrt + eps;
          mScale[i] = M;
          vScale[i] = V;
          pScale[i] = Math.abs(state.p[i]!) + (scalars.stepSize * M) / denom;
        }
        assertWithin(wasm.m, js.m, mScale, OPT_TOL, `${s.name} m`);
        assertWithin(wasm.v, js.v, vScale, OPT_TOL, `${s.name} v`);
        if (s.amsgrad) assertWithin(wasm.vmax, js.vmax, vScale, OPT_TOL, `${s.name} vmax`);
        assertWithin(wasm.p, js.p, pScale, OPT_TOL, `${s.name} θ`);
        assertNormWithin(sumWasm, sumJs, pScale, s.name, scale);
      }
    });

    test(`frozen (second-moment-only) step agrees with the TS kernel: n=${n}, scale ${scale}`, () => {
      for (const amsgrad of [false, true]) {
        const state = moments(n, scale, 30 * n + (amsgrad ? 1 : 0));
        const { js, wasm, slab } = twin(state);
        const beta2 = 0.999;
        const l2 = 1e-3;
        secondMomentOnlyStep(js.p, js.g, js.v, amsgrad ? js.vmax : null, n, { beta2, l2 });
        slab.kernels.secondMomentOnlyStep(wasm.p, wasm.g, wasm.v, amsgrad ? wasm.vmax : null, n, { beta2, l2 });
        const vScale = Float64Array.from({ length: n }, (_, i) => scalesOf(state, i, 0.9, beta2, l2).V);
        assertWithin(wasm.v, js.v, vScale, OPT_TOL, 'frozen v');
        if (amsgrad) assertWithin(wasm.vmax, js.vmax, vScale, OPT_TOL, 'frozen vmax');
        assert.deepEqual(wasm.p, js.p, 'θ is not touched');
        assert.deepEqual(wasm.m, state.m, 'm is not touched');
      }
    });

    test(`radam step (rectified, momentum-only, skip, decoupled decay) agrees with the TS kernel: n=${n}, scale ${scale}`, () => {
      const beta1 = 0.9;
      const beta2 = 0.999;
      const lr = 1e-3;
      const variants = [
        { name: 'rectified + L2', stepSize: lr * 0.31 * 0.087 / 0.41, rectified: true, l2: 1e-2, decayFactor: 1 },
        { name: 'momentum-only', stepSize: lr / 0.19, rectified: false, l2: 0, decayFactor: 1 },
        { name: 'skip', stepSize: 0, rectified: false, l2: 0, decayFactor: 1 },
        { name: 'rectified + decoupled', stepSize: lr * 0.5, rectified: true, l2: 0, decayFactor: 1 - lr * 0.1 },
      ];
      for (const [c, s] of variants.entries()) {
        const state = moments(n, scale, 40 * n + c);
        const { js, wasm, slab } = twin(state);
        const eps = 1e-8;
        const scalars = { stepSize: s.stepSize, rectified: s.rectified, beta1, beta2, eps, l2: s.l2, decayFactor: s.decayFactor };
        const sumJs = radamStep(js.p, js.g, js.m, js.v, n, scalars);
        const sumWasm = slab.kernels.radamStep(wasm.p, wasm.g, wasm.m, wasm.v, n, scalars);
        const mScale = new Float64Array(n);
        const vScale = new Float64Array(n);
        const pScale = new Float64Array(n);
        for (let i = 0; i < n; i++) {
          const { M, V } = scalesOf(state, i, beta1, beta2, s.l2);
          mScale[i] = M;
          vScale[i] = V;
          pScale[i] = Math.abs(state.p[i]!) + s.stepSize * (s.rectified ? M / (Math.sqrt(js.v[i]!) + eps) : M);
        }
        assertWithin(wasm.m, js.m, mScale, OPT_TOL, `${s.name} m`);
        assertWithin(wasm.v, js.v, vScale, OPT_TOL, `${s.name} v`);
        assertWithin(wasm.p, js.p, pScale, OPT_TOL, `${s.name} θ`);
        assertNormWithin(sumWasm, sumJs, pScale, s.name, scale);
      }
    });
  }
}

// ---- matmul -----------------------------------------------------------------------------------------

const SIZES = [1, 3, 4, 5, 8, 9, 13, 17, 33];

function matmulCase(M: number, N: number, K: number, transA: boolean, transB: boolean, accumulate: boolean, scale: number, seed: number): void {
  const rng = new Rng(seed, 'wasm-kernels/matmul');
  // Operands sit inside larger buffers at element offsets, as the layers use them.
  const [aOff, bOff, cOff] = [3, 5, 2];
  const a = randomFloats(aOff + M * K + 1, scale, rng);
  const b = randomFloats(bOff + K * N + 2, scale, rng);
  const c0 = randomFloats(cOff + M * N + 3, scale * scale, rng);
  const slab = new Slab();
  const [wa, wb, wc] = [slab.floats(a), slab.floats(b), slab.floats(c0)];
  const jc = Float32Array.from(c0);
  matmul(jc, a, b, M, N, K, transA, transB, accumulate, cOff, aOff, bOff);
  slab.kernels.matmul(wc, wa, wb, M, N, K, transA, transB, accumulate, cOff, aOff, bOff);
  const bound = new Float64Array(wc.length);
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let abs = 0;
      for (let k = 0; k < K; k++) {
        const x = transA ? a[aOff + k * M + i]! : a[aOff + i * K + k]!;
        const y = transB ? b[bOff + j * K + k]! : b[bOff + k * N + j]!;
        abs += Math.abs(x * y);
      }
      const at = cOff + i * N + j;
      bound[at] = ((K + 4) * U * abs + (accumulate ? 2 * U * Math.abs(c0[at]!) : 0)) / OPT_TOL;
    }
  }
  assertWithin(wc, jc, bound, OPT_TOL, `matmul ${M}×${N}×${K} ${transA ? 'Aᵀ' : 'A'}·${transB ? 'Bᵀ' : 'B'}${accumulate ? ' +=' : ''}`);
  // Outside the C block nothing is written.
  for (let i = 0; i < cOff; i++) assert.equal(wc[i], c0[i]);
  for (let i = cOff + M * N; i < wc.length; i++) assert.equal(wc[i], c0[i]);
}

for (const transA of [false, true]) {
  for (const transB of [false, true]) {
    test(`matmul ${transA ? 'Aᵀ' : 'A'}·${transB ? 'Bᵀ' : 'B'} agrees with the TS kernel for odd sizes, both modes, three magnitudes`, () => {
      let seed = 0;
      for (const M of SIZES) {
        for (const N of SIZES) {
          for (const K of [1, 4, 7, 33]) {
            for (const accumulate of [false, true]) matmulCase(M, N, K, transA, transB, accumulate, 1, seed++);
          }
        }
      }
      for (const scale of [1e-15, 1e12]) matmulCase(13, 9, 17, transA, transB, true, scale, seed++);
    });
  }
}

test('matmul at the layers\' larger shapes agrees with the TS kernel', () => {
  const shapes: [number, number, number, boolean, boolean][] = [
    [512, 128, 16, false, true], // lstm x·W_ihᵀ
    [16, 512, 128, false, true], // h·W_hhᵀ
    [16, 128, 512, false, false], // dh += dz·W_hh
    [512, 32, 496, true, false], // dW_hh = dzᵀ·h
    [64, 10, 128, false, true], // mlp head
  ];
  shapes.forEach(([M, N, K, ta, tb], i) => matmulCase(M, N, K, ta, tb, true, 1, 1000 + i));
});

test('the wasm kernels refuse arrays outside their memory, and work only once their memory exists', () => {
  // A wasm kernel reads its memory at the array's byte offset: an array of another memory would be
  // read as whatever floats sit there. The kernels are picked once per run, so this is a bug, not a
  // fallback to the JS kernels.
  const slab = new Slab();
  const inside = slab.floats(new Float32Array(12));
  const outside = new Float32Array(12);
  assert.throws(() => slab.kernels.matmul(inside, outside, inside, 3, 3, 4, false, true, false), /outside the run's memory/);
  assert.throws(() => slab.kernels.sumOfSquares(outside, 12), /outside the run's memory/);
  assert.throws(() => new WasmKernels().sumOfSquares(outside, 12), /no memory yet/);
  assert.throws(() => slab.kernels.memory(WASM_PAGE), /one instance serves one arena/);
});

// ---- gradient norm and clipping: bit for bit ---------------------------------------------------------

/** Awkward float32 values: zeros of both signs, subnormals, the extremes of the normal range, ±∞. */
const AWKWARD = [0, -0, 1.4e-45, -1.4e-45, 1e-40, -3e-39, 1.17549435e-38, 3.4028235e38, -3.4028235e38, 1e30, -1e-30, 1, -1, Infinity, -Infinity];

/** n float32 values: the awkward ones cycled through random ones at magnitudes 1e-30…1e30. */
function awkwardFloats(n: number, seed: number): Float32Array {
  const rng = new Rng(seed, 'wasm-kernels/awkward');
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = i % 3 === 0 ? AWKWARD[(i / 3) % AWKWARD.length]! : rng.normal() * 10 ** Math.round(rng.uniform() * 60 - 30);
  return out;
}

const ODD_LENGTHS = [0, 1, 3, 5, 7, 61, 1027, 4099];

/**
 * The definition of src/optim/chunks.ts and clip.ts, written out independently: chunks of SUM_CHUNK
 * floats, in each the eight sums of the i ≡ j (mod 8) squares folded as ((s0+s2)+(s4+s6)) +
 * ((s1+s3)+(s5+s7)), then the last (length mod 8) squares in order; the chunks' sums added in order.
 */
function chunkedSumOfSquares(x: Float32Array, n: number): number {
  let total = 0;
  for (let begin = 0; begin < n; begin += SUM_CHUNK) {
    const end = Math.min(n, begin + SUM_CHUNK);
    const laned = begin + (end - begin) - ((end - begin) % 8);
    const s = [0, 1, 2, 3, 4, 5, 6, 7].map((j) => {
      let sum = 0;
      for (let i = begin + j; i < laned; i += 8) sum += x[i]! * x[i]!;
      return sum;
    });
    let chunk = s[0]! + s[2]! + (s[4]! + s[6]!) + (s[1]! + s[3]! + (s[5]! + s[7]!));
    for (let i = laned; i < end; i++) chunk += x[i]! * x[i]!;
    total += chunk;
  }
  return total;
}

const CHUNK_LENGTHS = [SUM_CHUNK - 1, SUM_CHUNK, SUM_CHUNK + 3, 3 * SUM_CHUNK - 5];

test('sumOfSquares: wasm and JS agree bit for bit with the fixed chunked float64 sum, on awkward values and odd lengths', () => {
  for (const n of [...ODD_LENGTHS, ...CHUNK_LENGTHS]) {
    for (const finite of [true, false]) {
      let x = awkwardFloats(n, n);
      if (finite) x = x.map((v) => (Number.isFinite(v) ? v : 0));
      const expected = chunkedSumOfSquares(x, n);
      const slab = new Slab();
      const wasm = slab.kernels.sumOfSquares(slab.floats(x), n);
      assert.ok(Object.is(sumOfSquares(x, n), expected), `js n=${n}: ${sumOfSquares(x, n)} vs ${expected}`);
      assert.ok(Object.is(wasm, expected), `wasm n=${n}: ${wasm} vs ${expected}`);
    }
  }
  // Only part of the array is summed.
  const slab = new Slab();
  assert.equal(slab.kernels.sumOfSquares(slab.floats([3, 4, 100]), 2), 25);
});

test('sumOfSquares on ordinary values: the chunked sum, not the sequential one (which the values tell apart)', () => {
  const rng = new Rng(7, 'wasm-kernels/chunked');
  let differs = 0;
  for (const n of [61, 1027, ...CHUNK_LENGTHS]) {
    const x = new Float32Array(n).map(() => rng.normal() * 10 ** Math.round(rng.uniform() * 4 - 2));
    const sequential = Array.from(x).reduce((sum, v) => sum + v * v, 0);
    const expected = chunkedSumOfSquares(x, n);
    if (!Object.is(sequential, expected)) differs++;
    const slab = new Slab();
    assert.ok(Object.is(sumOfSquares(x, n), expected), `js n=${n}`);
    assert.ok(Object.is(slab.kernels.sumOfSquares(slab.floats(x), n), expected), `wasm n=${n}`);
  }
  assert.ok(differs >= 3, `the sequential sum differs from the chunked one in only ${differs} of 6 cases`);
});

test('sumOfSquares adds in order: [1e8, 1, 1, 1] gives exactly 1e16, where two-lane partial sums give 1e16 + 2', () => {
  // ulp(1e16) = 2 and 1e16 = 2·5e15 with 5e15 even, so each 1e16 + 1 is a tie that rounds back to 1e16.
  // Lanes (1e16 + 1) and (1 + 1) would end at 1e16 + 2: a vectorised sum is not the same number.
  const x = [1e8, 1, 1, 1];
  assert.equal(1e16 + 1, 1e16);
  assert.equal(1e16 + 1 + (1 + 1), 1e16 + 2);
  const slab = new Slab();
  assert.equal(sumOfSquares(Float32Array.from(x), 4), 1e16);
  assert.equal(slab.kernels.sumOfSquares(slab.floats(x), 4), 1e16);
});

test('scaleInPlace: wasm and JS agree bit for bit with fround(x·factor) in float64, on awkward values and odd lengths', () => {
  // Clipping's factor max_norm/(‖g‖ + 1e-6) and others not representable in float32, which a float32
  // product would round differently; and tiny/huge ones that push results into subnormals or to ∞.
  const factors = [1 / 3, 0.9999999, 1 / (7.3 + 1e-6), 1e-30, 3e30, 1];
  for (const n of ODD_LENGTHS) {
    for (const factor of factors) {
      const x = awkwardFloats(n, 100 + n);
      const expected = new Float32Array(x.length);
      for (let i = 0; i < n; i++) expected[i] = Math.fround(x[i]! * factor);
      const js = Float32Array.from(x);
      scaleInPlace(js, n, factor);
      const slab = new Slab();
      const wasm = slab.floats(x);
      slab.kernels.scaleInPlace(wasm, n, factor);
      const bits = (a: Float32Array): Uint32Array => new Uint32Array(Float32Array.from(a).buffer);
      assert.deepEqual(bits(js), bits(expected), `js n=${n} factor ${factor}`);
      assert.deepEqual(bits(wasm), bits(expected), `wasm n=${n} factor ${factor}`);
    }
  }
});

// ---- LSTM layer ---------------------------------------------------------------------------------------

/** One LSTM layer with seeded weights, input and upstream gradient, in an arena of either kernel set. */
function lstmLayer(kernels: KernelSet, T: number, B: number, In: number, H: number) {
  return Arena.build((arena) => {
    const rng = new Rng(7, 'wasm-kernels/lstm');
    const p = lstmParams(arena, 'lstm', In, H);
    const buf = lstmBuffers(arena, T, B, In, H);
    const x = arena.floats(T * B * In);
    const dx = arena.floats(T * B * In);
    const dhTop = arena.floats(T * B * H);
    for (const w of [p.wih.w, p.whh.w, p.bias.w]) for (let i = 0; i < w.length; i++) w[i] = (rng.uniform() * 2 - 1) / Math.sqrt(H);
    for (let i = 0; i < x.length; i++) x[i] = rng.normal();
    for (let i = 0; i < dhTop.length; i++) dhTop[i] = rng.normal();
    return { p, buf, x, dx, dhTop };
  }, createKernels(kernels));
}

for (const [T, B, In, H] of [[1, 1, 1, 1], [7, 3, 5, 6], [5, 4, 8, 13], [4, 16, 32, 128]] as const) {
  test(`lstm layer forward and backward agree with the TS layer: T=${T} B=${B} In=${In} H=${H}`, () => {
    const js = lstmLayer('js', T, B, In, H).value;
    const { value: w, arena } = lstmLayer('wasm', T, B, In, H);
    lstmForward(js.buf, js.p, js.x);
    arena.kernels.lstmForward(w.buf, w.p, w.x);
    // Outputs are bounded by 1 (gates, tanh c, h) or grow slowly (c): |Δ| ≤ LSTM_TOL·(1 + |js|).
    for (const name of ['gates', 'c', 'tanhC', 'h'] as const) assertWithin(w.buf[name], js.buf[name], js.buf[name].map((v) => 1 + Math.abs(v)), LSTM_TOL, `forward ${name}`);
    js.buf.dh.set(js.dhTop);
    w.buf.dh.set(w.dhTop);
    lstmBackward(js.buf, js.p, js.x, js.dx);
    const b = w.buf;
    arena.kernels.lstmBackward(w.buf, w.p, w.x, w.dx);
    // Gradients sum over T·B rows: bound them by the largest value of each array.
    for (const [name, a, e] of [
      ['dx', w.dx, js.dx], ['dW_ih', w.p.wih.g, js.p.wih.g], ['dW_hh', w.p.whh.g, js.p.whh.g], ['db', w.p.bias.g, js.p.bias.g], ['dgates', b.dgates, js.buf.dgates],
    ] as const) {
      const largest = e.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      assertWithin(a, e, new Float64Array(e.length).fill(1 + largest), LSTM_TOL, `backward ${name}`);
    }
  });
}
