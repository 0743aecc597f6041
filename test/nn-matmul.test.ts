// matmul against a naive float64 triple loop: every transpose combination, odd sizes that exercise
// the 4×4 / 4×1 / 1×4 / 1×1 tiles, offsets, and accumulate vs overwrite.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matmul } from '../src/nn/matmul.js';
import { Rng } from '../src/base/rng.js';

function randomFloats(n: number, rng: Rng): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.uniform() * 2 - 1;
  return out;
}

/** Reference: op(A)[i,k] and op(B)[k,j] read by their definitions, summed in float64. */
function naive(
  a: Float32Array, b: Float32Array, M: number, N: number, K: number,
  transA: boolean, transB: boolean, aOff: number, bOff: number,
): { value: Float64Array; scale: Float64Array } {
  const value = new Float64Array(M * N);
  const scale = new Float64Array(M * N); // Σ|terms|, the natural size of the rounding error
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let s = 0;
      let abs = 0;
      for (let k = 0; k < K; k++) {
        const x = transA ? a[aOff + k * M + i]! : a[aOff + i * K + k]!;
        const y = transB ? b[bOff + j * K + k]! : b[bOff + k * N + j]!;
        s += x * y;
        abs += Math.abs(x * y);
      }
      value[i * N + j] = s;
      scale[i * N + j] = abs;
    }
  }
  return { value, scale };
}

const SIZES: [number, number, number][] = [
  [1, 1, 1], [1, 7, 3], [5, 1, 2], [3, 5, 7], [4, 4, 4], [8, 12, 16], [13, 9, 11], [17, 6, 1], [6, 19, 33],
];

for (const transA of [false, true]) {
  for (const transB of [false, true]) {
    const name = `${transA ? 'Aᵀ' : 'A'}·${transB ? 'Bᵀ' : 'B'}`;
    test(`matmul ${name} matches the naive triple loop for odd sizes, with offsets, overwrite and accumulate`, () => {
      const rng = new Rng(1, `matmul ${name}`);
      for (const [M, N, K] of SIZES) {
        const aOff = 3;
        const bOff = 5;
        const cOff = 2;
        const a = randomFloats(aOff + M * K + 4, rng);
        const b = randomFloats(bOff + K * N + 4, rng);
        const { value, scale } = naive(a, b, M, N, K, transA, transB, aOff, bOff);

        // Overwrite: prior contents (even NaN) must not leak into the result.
        const c = new Float32Array(cOff + M * N + 3).fill(NaN);
        matmul(c, a, b, M, N, K, transA, transB, false, cOff, aOff, bOff);
        for (let i = 0; i < M * N; i++) {
          const tol = 1e-6 * scale[i]! + 1e-7;
          assert.ok(Math.abs(c[cOff + i]! - value[i]!) <= tol, `${name} ${M}×${N}×${K} [${i}]: ${c[cOff + i]} vs ${value[i]}`);
        }
        // Elements outside the block are untouched.
        assert.ok(Number.isNaN(c[0]!) && Number.isNaN(c[1]!) && Number.isNaN(c[cOff + M * N]!));

        // Accumulate: C = C₀ + op(A)·op(B).
        const c0 = randomFloats(cOff + M * N, rng);
        const acc = Float32Array.from(c0);
        matmul(acc, a, b, M, N, K, transA, transB, true, cOff, aOff, bOff);
        for (let i = 0; i < M * N; i++) {
          const expected = c0[cOff + i]! + value[i]!;
          const tol = 1e-6 * (scale[i]! + Math.abs(c0[cOff + i]!)) + 1e-7;
          assert.ok(Math.abs(acc[cOff + i]! - expected) <= tol, `${name} accumulate ${M}×${N}×${K} [${i}]`);
        }
        assert.equal(acc[0], c0[0]);
      }
    });
  }
}

test('matmul with K = 0 writes zeros (overwrite) and leaves C alone (accumulate)', () => {
  const c = new Float32Array([1, 2, 3, 4]);
  matmul(c, new Float32Array(0), new Float32Array(0), 2, 2, 0, false, false, true);
  assert.deepEqual([...c], [1, 2, 3, 4]);
  matmul(c, new Float32Array(0), new Float32Array(0), 2, 2, 0, false, false, false);
  assert.deepEqual([...c], [0, 0, 0, 0]);
});
