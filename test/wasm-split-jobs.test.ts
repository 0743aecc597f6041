// Threaded optimizer steps, Σx², clipping and layers (src/wasm/jobs.ts): on 1, 2 and 3 threads they
// write the same bytes and return the same sums, at edge sizes (n under one chunk, exactly one, not a
// multiple of the chunk); the step's sum is the chunked one of src/optim/chunks.ts; and the jobs do
// split (the split threshold is lowered to 1 float here so that small cases split too).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../src/base/rng.js';
import { Arena } from '../src/nn/arena.js';
import { WasmKernels } from '../src/wasm/wasm-kernels.js';
import { SUM_CHUNK } from '../src/optim/chunks.js';
import { maxPool2dBuffers, type MaxPool2dBuffers } from '../src/nn/maxpool2d.js';
import type { AdamScalars, RAdamScalars, SgdScalars } from '../src/nn/kernels.js';

const SIZES = [5, SUM_CHUNK - 1, SUM_CHUNK, 2 * SUM_CHUNK, 3 * SUM_CHUNK + 7];
const THREADS = [1, 2, 3];

const bytes = (v: Float32Array | Int32Array): Buffer => Buffer.from(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));

/** Kernels on `threads` threads splitting from 1 float on, `n`-float arrays of seeded values (v, vmax ≥ 0), what `run` returns, and the jobs split. */
function withArrays<T>(threads: number, n: number, run: (k: WasmKernels, a: Float32Array[]) => T): { result: T; split: number } {
  const kernels = new WasmKernels(threads, undefined, 1);
  try {
    const { value } = Arena.build((arena) => Array.from({ length: 6 }, () => arena.floats(n)), kernels);
    const rng = new Rng(n, 'wasm-split-jobs');
    value.forEach((x, j) => {
      for (let i = 0; i < n; i++) x[i] = j >= 3 ? Math.abs(rng.normal()) * 1e-3 : rng.normal();
    });
    return { result: run(kernels, value), split: kernels.splitJobs };
  } finally {
    kernels.dispose();
  }
}

const adam: AdamScalars = { stepSize: 1e-3 / 0.1, beta1: 0.9, beta2: 0.999, biasCorrection2Sqrt: Math.sqrt(0.001), eps: 1e-8, l2: 1e-4, decayFactor: 1 - 1e-5 };
const radam = (rectified: boolean): RAdamScalars => ({ stepSize: 3e-3, rectified, beta1: 0.9, beta2: 0.999, eps: 1e-8, l2: 0, decayFactor: 0.99999 });
const sgd: SgdScalars = { lr: 0.01, momentum: 0.9, dampening: 0.1, nesterov: true, weightDecay: 1e-4, firstStep: false };

/** Every chunked kernel once, in a fixed order: the sums they return and the bytes of every array after. */
function chunkedKernels(k: WasmKernels, a: Float32Array[], n: number): { sums: number[]; bytes: Buffer } {
  const [p, g, m, v, vmax, buf] = a as [Float32Array, Float32Array, Float32Array, Float32Array, Float32Array, Float32Array];
  const sums = [
    k.sumOfSquares(g, n),
    k.adamStep(p, g, m, v, vmax, n, adam),
    k.adamStep(p, g, m, v, null, n, adam),
    k.radamStep(p, g, m, v, n, radam(true)),
    k.radamStep(p, g, m, v, n, radam(false)),
    k.sgdStep(p, g, buf, n, sgd),
  ];
  k.secondMomentOnlyStep(p, g, v, vmax, n, { beta2: 0.999, l2: 1e-4 });
  k.scaleInPlace(g, n, 1 / 3);
  sums.push(k.sumOfSquares(g, n));
  return { sums, bytes: Buffer.concat(a.map(bytes)) };
}

test('optimizer steps, Σx² and scaling: the same bytes and sums on 1, 2 and 3 threads, at edge sizes', () => {
  for (const n of SIZES) {
    const one = withArrays(1, n, (k, a) => chunkedKernels(k, a, n));
    for (const threads of THREADS.slice(1)) {
      const many = withArrays(threads, n, (k, a) => chunkedKernels(k, a, n));
      const what = `n=${n} threads=${threads}`;
      assert.deepEqual(many.result.sums, one.result.sums, `${what}: sums`);
      assert.ok(many.result.bytes.equals(one.result.bytes), `${what}: arrays`);
      // each of the 9 jobs splits once there are 2 chunks to share
      assert.equal(many.split, n > SUM_CHUNK ? 9 : 0, `${what}: jobs split`);
    }
  }
});

test("a step's Σ(θ_t − θ_{t−1})² is its chunks' sums added in order (the kernel run on each chunk alone)", () => {
  const n = 3 * SUM_CHUNK + 7;
  for (const threads of THREADS) {
    const { result } = withArrays(threads, n, (k, a) => {
      const [p, g, m, v] = a as [Float32Array, Float32Array, Float32Array, Float32Array];
      const copies = [p, g, m, v].map((x) => Float32Array.from(x));
      const whole = k.radamStep(p, g, m, v, n, radam(true));
      [p, g, m, v].forEach((x, j) => x.set(copies[j]!));
      let chunked = 0;
      for (let begin = 0; begin < n; begin += SUM_CHUNK) {
        const end = Math.min(n, begin + SUM_CHUNK);
        const [pc, gc, mc, vc] = [p, g, m, v].map((x) => x.subarray(begin, end)) as [Float32Array, Float32Array, Float32Array, Float32Array];
        chunked += k.radamStep(pc, gc, mc, vc, end - begin, radam(true));
      }
      return { whole, chunked };
    });
    assert.ok(Object.is(result.whole, result.chunked), `threads=${threads}: ${result.whole} vs ${result.chunked}`);
  }
});

/** ReLU, channel bias and sums (planes of 1 and of 49), and max pooling with overlapping windows, on `threads` threads: every array's bytes after. */
function layers(threads: number): { bytes: Buffer; split: number } {
  const B = 3, C = 7, H = 9, W = 9;
  const kernels = new WasmKernels(threads, undefined, 1);
  try {
    const { value } = Arena.build((arena) => ({
      x: arena.floats(B * C * H * W), y: arena.floats(B * C * H * W), dx: arena.floats(B * C * H * W),
      bias: arena.floats(C), dbias: arena.floats(C), dbias1: arena.floats(C),
      pools: [maxPool2dBuffers(arena, B, C, H, W, 3, 2), maxPool2dBuffers(arena, B, C, H, W, 2, 2)] as MaxPool2dBuffers[],
    }), kernels);
    const rng = new Rng(42, 'wasm-split-jobs/layers');
    const { x, y, dx, bias, dbias, dbias1, pools } = value;
    for (const v of [x, y, dx, bias, dbias, dbias1, ...pools.map((b) => b.dout)]) for (let i = 0; i < v.length; i++) v[i] = rng.normal();
    const n = x.length - 3; // not a multiple of 4
    kernels.reluForward(y, x, n);
    kernels.reluBackward(dx, y, x, n);
    kernels.addChannelBias(y, bias, B, C, H * W);
    kernels.addChannelBias(dx, bias, B * H * W, C, 1);
    kernels.addChannelSums(dbias, y, B, C, H * W);
    kernels.addChannelSums(dbias1, x, B * H * W, C, 1);
    for (const pool of pools) {
      kernels.maxPool2dForward(pool, y);
      kernels.maxPool2dBackward(pool, dx);
    }
    const all = [x, y, dx, bias, dbias, dbias1, ...pools.flatMap((b) => [b.out, b.argmax, b.dout])];
    return { bytes: Buffer.concat(all.map(bytes)), split: kernels.splitJobs };
  } finally {
    kernels.dispose();
  }
}

test('ReLU, channel bias and sums, max pooling: the same bytes on 1, 2 and 3 threads', () => {
  const one = layers(1);
  assert.equal(one.split, 0);
  for (const threads of THREADS.slice(1)) {
    const many = layers(threads);
    assert.equal(many.split, 10, `threads=${threads}: every layer job split`);
    assert.ok(many.bytes.equals(one.bytes), `threads=${threads}: arrays differ`);
  }
});
