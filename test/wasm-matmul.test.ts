// The wasm matmul's summation order at every edge (src/wasm/assembly/matmul.ts, packed.ts): each
// element of C against a float32 model of the order written out independently here, bit for bit, over
// shapes not multiples of the tiles, K = 1 and K % 4 tails, offsets, both modes, the packed Aᵀ·B path
// and its per-thread scratch on 1–3 threads, and every row split at a multiple of 4 as threads cut.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../src/base/rng.js';
import { Arena } from '../src/nn/arena.js';
import { WasmKernels } from '../src/wasm/wasm-kernels.js';

const f = Math.fround;

/**
 * C[i, j] as the wasm kernel sums it. A·B, Aᵀ·B and Aᵀ·Bᵀ: products added one k at a time from 0. A·Bᵀ: four
 * lanes of k mod 4 over the first K − K % 4 terms, combined as (s₀ + s₂) + (s₁ + s₃); the tail is summed
 * apart from 0 and added once inside the 4-row blocks at an even column pair ("tile"), and added term by
 * term in the bottom M % 4 rows and an odd last column ("dot"). Then onto C when accumulating.
 */
function expectedElement(x: (k: number) => number, y: (k: number) => number, K: number, dots: boolean, tile: boolean): number {
  if (!dots) {
    let sum = 0;
    for (let k = 0; k < K; k++) sum = f(sum + f(x(k) * y(k)));
    return sum;
  }
  const K4 = K - (K % 4);
  const s = [0, 0, 0, 0];
  for (let k = 0; k < K4; k++) s[k % 4] = f(s[k % 4]! + f(x(k) * y(k)));
  let sum = f(f(s[0]! + s[2]!) + f(s[1]! + s[3]!));
  if (tile) {
    let t = 0;
    for (let k = K4; k < K; k++) t = f(t + f(x(k) * y(k)));
    return K4 < K ? f(sum + t) : sum;
  }
  for (let k = K4; k < K; k++) sum = f(sum + f(x(k) * y(k)));
  return sum;
}

interface Case { M: number; N: number; K: number; transA: boolean; transB: boolean; accumulate: boolean }

function expected(a: Float32Array, b: Float32Array, c0: Float32Array, s: Case, aOff: number, bOff: number, cOff: number): Float32Array {
  const { M, N, K, transA, transB } = s;
  const out = new Float32Array(M * N);
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      const x = (k: number) => a[aOff + (transA ? k * M + i : i * K + k)]!;
      const y = (k: number) => b[bOff + (transB ? j * K + k : k * N + j)]!;
      const tile = i < M - (M % 4) && j < N - (N % 2);
      const sum = expectedElement(x, y, K, transB && !transA, tile);
      out[i * N + j] = s.accumulate ? f(c0[cOff + i * N + j]! + sum) : sum;
    }
  }
  return out;
}

/** The wasm product of seeded operands at offsets (aOff, bOff, cOff floats) on `threads` threads, against the model. */
function check(s: Case, threads: number, seed: number): void {
  const [aOff, bOff, cOff] = [seed % 3, (seed + 1) % 5, (seed + 2) % 4];
  const kernels = new WasmKernels(threads);
  try {
    const { value: v } = Arena.build((arena) => ({
      a: arena.floats(aOff + s.M * s.K), b: arena.floats(bOff + s.K * s.N), c: arena.floats(cOff + s.M * s.N),
    }), kernels);
    const rng = new Rng(seed, 'wasm-matmul');
    for (const x of [v.a, v.b, v.c]) for (let i = 0; i < x.length; i++) x[i] = rng.uniform() * 2 - 1;
    const want = expected(v.a, v.b, v.c, s, aOff, bOff, cOff);
    kernels.matmul(v.c, v.a, v.b, s.M, s.N, s.K, s.transA, s.transB, s.accumulate, cOff, aOff, bOff);
    const got = v.c.subarray(cOff, cOff + s.M * s.N);
    const what = `${s.M}×${s.N}×${s.K} ${s.transA ? 'Aᵀ' : 'A'}·${s.transB ? 'Bᵀ' : 'B'}${s.accumulate ? ' +=' : ''} threads=${threads}`;
    for (let i = 0; i < want.length; i++) {
      if (Object.is(got[i], want[i])) continue;
      assert.fail(`${what}: C[${Math.floor(i / s.N)}, ${i % s.N}] = ${got[i]}, summed in the kernel's order ${want[i]}`);
    }
  } finally {
    kernels.dispose();
  }
}

const SMALL = [1, 2, 3, 4, 5, 7, 8, 9, 13];
const DEPTHS = [1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 32, 35];

for (const transA of [false, true]) {
  for (const transB of [false, true]) {
    test(`wasm matmul ${transA ? 'Aᵀ' : 'A'}·${transB ? 'Bᵀ' : 'B'}: every edge of the tiles, K = 1 and K % 4 tails, offsets, both modes, in the kernel's order`, () => {
      let seed = 1;
      for (const M of SMALL) for (const N of SMALL) for (const K of DEPTHS) {
        for (const accumulate of [false, true]) check({ M, N, K, transA, transB, accumulate }, 1, seed++);
      }
    });
  }
}

// Aᵀ·B from M = 256, K = 128 on (or K = 1024 on) runs packed (src/wasm/assembly/packed.ts): full tiles, the right
// N % 8 columns and bottom M % 4 rows, several panels of B (N·K over the panel), in each thread's scratch.
const PACKED: Array<[number, number, number]> = [[256, 8, 128], [259, 13, 129], [262, 31, 131], [257, 600, 130], [300, 7, 200], [522, 41, 130], [66, 19, 1030]];

test('wasm Aᵀ·B at the packed sizes: every element in the kernel\'s order, on 1, 2 and 3 threads', () => {
  let seed = 100;
  for (const [M, N, K] of PACKED) {
    for (const accumulate of [false, true]) {
      for (const threads of [1, 2, 3]) check({ M, N, K, transA: true, transB: false, accumulate }, threads, seed++);
    }
  }
});

test('wasm products spanning several cache panels of B (K = 1000, N = 203: panels of 64 or 48 columns) are in the kernel\'s order', () => {
  let seed = 300;
  for (const [transA, transB] of [[false, false], [true, false], [false, true]] as const) {
    for (const accumulate of [false, true]) check({ M: 5, N: 203, K: 1000, transA, transB, accumulate }, 1, seed++);
  }
});

test('wasm A·B and A·Bᵀ at the same sizes (unpacked) are in the kernel\'s order too', () => {
  let seed = 200;
  for (const [M, N, K] of PACKED.slice(0, 3)) {
    for (const transB of [false, true]) check({ M, N, K, transA: false, transB, accumulate: true }, 2, seed++);
  }
});
