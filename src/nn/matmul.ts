// The one matrix-multiply kernel every layer uses: C (+)= op(A)·op(B) over row-major Float32Arrays,
// with op = identity or transpose, and element offsets so layers can multiply sub-blocks (one time
// step, one attention head) without creating views. Not a BLAS: no leading dimensions, no alpha/beta.
//
// Speed: V8 does not vectorise, so the gain comes from register blocking. The main loop computes a
// 4×4 tile of C in 16 local accumulators, reading 4 values of A and 4 of B per k (8 loads for 16
// multiply-adds); edges fall back to 4×1, 1×4 and 1×1 tiles. The transposes are handled by strides
// rather than separate kernels: measured within ~10% of hand-specialised copies, and one kernel to
// read. Accumulation happens in float64 locals, rounded to float32 once per output element.
//
// This is the JS kernels' matmul (src/nn/kernels.ts) and the reference of the f32x4 wasm kernel.
//
// M, N, K: C is M×N; op(A) is M×K; op(B) is K×N.
//   transA = false: A is stored M×K.   transA = true: A is stored K×M (we use Aᵀ).
//   transB = false: B is stored K×N.   transB = true: B is stored N×K (we use Bᵀ).
/**
 * C[cOff + i·N + j] (+)= Σ_k op(A)[i, k] · op(B)[k, j]   for i < M, j < N.
 * `accumulate` adds into C (backward passes); otherwise C is overwritten. C must not alias A or B.
 */
export function matmul(
  c: Float32Array,
  a: Float32Array,
  b: Float32Array,
  M: number,
  N: number,
  K: number,
  transA: boolean,
  transB: boolean,
  accumulate: boolean,
  cOff = 0,
  aOff = 0,
  bOff = 0,
): void {
  // Element op(A)[i, k] lives at aOff + i·aRow + k·aCol; op(B)[k, j] at bOff + k·bRow + j·bCol.
  const aRow = transA ? 1 : K;
  const aCol = transA ? M : 1;
  const bRow = transB ? 1 : N;
  const bCol = transB ? K : 1;
  const M4 = M - (M % 4);
  const N4 = N - (N % 4);

  for (let i = 0; i < M4; i += 4) {
    const a0 = aOff + i * aRow;
    const a1 = a0 + aRow;
    const a2 = a1 + aRow;
    const a3 = a2 + aRow;
    for (let j = 0; j < N4; j += 4) {
      let c00 = 0, c01 = 0, c02 = 0, c03 = 0;
      let c10 = 0, c11 = 0, c12 = 0, c13 = 0;
      let c20 = 0, c21 = 0, c22 = 0, c23 = 0;
      let c30 = 0, c31 = 0, c32 = 0, c33 = 0;
      let pa = 0;
      let pb = bOff + j * bCol;
      for (let k = 0; k < K; k++) {
        const x0 = a[a0 + pa]!;
        const x1 = a[a1 + pa]!;
        const x2 = a[a2 + pa]!;
        const x3 = a[a3 + pa]!;
        const y0 = b[pb]!;
        const y1 = b[pb + bCol]!;
        const y2 = b[pb + 2 * bCol]!;
        const y3 = b[pb + 3 * bCol]!;
        c00 += x0 * y0; c01 += x0 * y1; c02 += x0 * y2; c03 += x0 * y3;
        c10 += x1 * y0; c11 += x1 * y1; c12 += x1 * y2; c13 += x1 * y3;
        c20 += x2 * y0; c21 += x2 * y1; c22 += x2 * y2; c23 += x2 * y3;
        c30 += x3 * y0; c31 += x3 * y1; c32 += x3 * y2; c33 += x3 * y3;
        pa += aCol;
        pb += bRow;
      }
      // Row r of the tile starts at C[pc + r·N]; the branch is loop-invariant (one per tile).
      const pc = cOff + i * N + j;
      if (accumulate) {
        storeAdd4(c, pc, c00, c01, c02, c03);
        storeAdd4(c, pc + N, c10, c11, c12, c13);
        storeAdd4(c, pc + 2 * N, c20, c21, c22, c23);
        storeAdd4(c, pc + 3 * N, c30, c31, c32, c33);
      } else {
        store4(c, pc, c00, c01, c02, c03);
        store4(c, pc + N, c10, c11, c12, c13);
        store4(c, pc + 2 * N, c20, c21, c22, c23);
        store4(c, pc + 3 * N, c30, c31, c32, c33);
      }
    }
    // Right edge: 4×1 tiles.
    for (let j = N4; j < N; j++) {
      let c0 = 0, c1 = 0, c2 = 0, c3 = 0;
      let pa = 0;
      let pb = bOff + j * bCol;
      for (let k = 0; k < K; k++) {
        const y = b[pb]!;
        c0 += a[a0 + pa]! * y;
        c1 += a[a1 + pa]! * y;
        c2 += a[a2 + pa]! * y;
        c3 += a[a3 + pa]! * y;
        pa += aCol;
        pb += bRow;
      }
      const pc = cOff + i * N + j;
      c[pc] = accumulate ? c[pc]! + c0 : c0;
      c[pc + N] = accumulate ? c[pc + N]! + c1 : c1;
      c[pc + 2 * N] = accumulate ? c[pc + 2 * N]! + c2 : c2;
      c[pc + 3 * N] = accumulate ? c[pc + 3 * N]! + c3 : c3;
    }
  }
  // Bottom edge: 1×4 tiles, then the corner 1×1.
  for (let i = M4; i < M; i++) {
    const a0 = aOff + i * aRow;
    for (let j = 0; j < N4; j += 4) {
      let c0 = 0, c1 = 0, c2 = 0, c3 = 0;
      let pa = a0;
      let pb = bOff + j * bCol;
      for (let k = 0; k < K; k++) {
        const x = a[pa]!;
        c0 += x * b[pb]!;
        c1 += x * b[pb + bCol]!;
        c2 += x * b[pb + 2 * bCol]!;
        c3 += x * b[pb + 3 * bCol]!;
        pa += aCol;
        pb += bRow;
      }
      const pc = cOff + i * N + j;
      c[pc] = accumulate ? c[pc]! + c0 : c0;
      c[pc + 1] = accumulate ? c[pc + 1]! + c1 : c1;
      c[pc + 2] = accumulate ? c[pc + 2]! + c2 : c2;
      c[pc + 3] = accumulate ? c[pc + 3]! + c3 : c3;
    }
    for (let j = N4; j < N; j++) {
      let sum = 0;
      let pa = a0;
      let pb = bOff + j * bCol;
      for (let k = 0; k < K; k++) {
        sum += a[pa]! * b[pb]!;
        pa += aCol;
        pb += bRow;
      }
      const pc = cOff + i * N + j;
      c[pc] = accumulate ? c[pc]! + sum : sum;
    }
  }
}

// Tile stores (small enough for V8 to inline).
function store4(c: Float32Array, p: number, v0: number, v1: number, v2: number, v3: number): void {
  c[p] = v0;
  c[p + 1] = v1;
  c[p + 2] = v2;
  c[p + 3] = v3;
}

function storeAdd4(c: Float32Array, p: number, v0: number, v1: number, v2: number, v3: number): void {
  c[p] = c[p]! + v0;
  c[p + 1] = c[p + 1]! + v1;
  c[p + 2] = c[p + 2]! + v2;
  c[p + 3] = c[p + 3]! + v3;
}
