// f32x4 matmul: src/nn/matmul.ts's C (+)= op(A)·op(B) on row-major float32 matrices, same arguments
// (pointers are byte offsets with the element offsets already applied). Accumulation is in float32
// lanes (the TS kernel accumulates in float64), so results agree to float32 rounding of a K-term sum.
//
// Two register-blocked kernels cover the transposes the layers use:
//   B stored K×N (A·B, Aᵀ·B): vectorise along a row of C. A 4×8 tile of C lives in 8 vector
//     accumulators; per k, two vectors of B's row k and four broadcast elements of op(A)'s column k
//     (op(A)[i, k] is at i·aRow + k·aCol, so Aᵀ is just other strides).
//   B stored N×K (A·Bᵀ): every C[i, j] is a dot product of two contiguous rows. A 2×4 tile of dot
//     products in 8 vector accumulators runs along k four at a time; lanes are summed at the end into
//     one vector per row of the tile.
// Aᵀ·Bᵀ, which no layer uses, falls back to a plain loop. Edges use narrower tiles of the same kind.
// M, N, K: C is M×N, op(A) is M×K, op(B) is K×N. Large Aᵀ·B goes through ./packed (same sums).
import { packedPays, packedTransposed } from './packed';

export function matmul(
  c: usize, a: usize, b: usize, M: i32, N: i32, K: i32,
  transA: bool, transB: bool, accumulate: bool,
): void {
  matmulRows(c, a, b, M, N, K, transA, transB, accumulate, 0, M);
}

/**
 * Rows [rowBegin, rowEnd) of C = op(A)·op(B), the rest untouched: a thread's share of one product
 * (src/wasm/threads.ts). Every element is computed exactly as the full product computes it as long as
 * rowBegin is a multiple of 4 and rowEnd is one or M: the row blocks of 4 (and the single rows of the
 * bottom edge) are then the same, and in the A·Bᵀ path a 4-row tile and the single-row `dot` sum a
 * K % 4 tail in different orders. Sub-calls on offset pointers would not do: Aᵀ's stride is M.
 */
export function matmulRows(
  c: usize, a: usize, b: usize, M: i32, N: i32, K: i32,
  transA: bool, transB: bool, accumulate: bool, rowBegin: i32, rowEnd: i32,
): void {
  const rows = rowEnd - rowBegin;
  if (rows <= 0) return;
  const cFirst = c + ((<usize>rowBegin * N) << 2);
  if (!transB) {
    // Byte strides of op(A): one row down, one column right.
    const aRow: usize = transA ? 4 : <usize>K << 2;
    const aCol: usize = transA ? <usize>M << 2 : 4;
    const aFirst = a + <usize>rowBegin * aRow;
    if (transA && packedPays(M, N, K)) packedWithEdges(cFirst, aFirst, b, M, rows, N, K, accumulate);
    else matmulRowsOfB(cFirst, aFirst, b, rows, N, K, aRow, aCol, accumulate);
  } else if (!transA) {
    matmulDots(cFirst, a + ((<usize>rowBegin * K) << 2), b, rows, N, K, accumulate);
  } else {
    matmulPlain(c, a, b, M, N, K, accumulate, rowBegin, rowEnd);
  }
}

@inline
function madd(acc: v128, x: v128, y: v128): v128 {
  return f32x4.add(acc, f32x4.mul(x, y));
}

@inline
function storeVec(p: usize, value: v128, accumulate: bool): void {
  v128.store(p, accumulate ? f32x4.add(v128.load(p), value) : value);
}

@inline
function storeScalar(p: usize, value: f32, accumulate: bool): void {
  store<f32>(p, accumulate ? load<f32>(p) + value : value);
}

// Floats of B a column panel holds: it should stay in the L2 cache (1 MiB here) while the row blocks of
// A pass. 256 KiB measured 1.06–1.14× faster than 64 KiB for A·B at K = 500–1024 (the MLP's and the char
// LSTM's dx), the same elsewhere.
const PANEL_FLOATS: i32 = 65536;

/** Panel width for depth K: about PANEL_FLOATS / K, a positive multiple of `multiple`. */
@inline
function panelWidth(K: i32, multiple: i32): i32 {
  const w = (PANEL_FLOATS / max(K, 1)) / multiple * multiple;
  return max(w, multiple);
}

// ---- B stored K×N ------------------------------------------------------------------------------

/** Aᵀ·B: ./packed's tiles for the full 4×8 blocks of the rows, then the right columns and bottom rows here (the same sums). */
function packedWithEdges(c: usize, a: usize, b: usize, M: i32, rows: i32, N: i32, K: i32, accumulate: bool): void {
  const M4 = rows & ~3;
  const N8 = N & ~7;
  const aCol: usize = <usize>M << 2;
  packedTransposed(c, a, b, M, rows, N, K, accumulate);
  if (N8 < N) rowsOfBPanel(c, a, b, rows, N, K, 4, aCol, accumulate, N8, N);
  if (M4 < rows) rowsOfBPanel(c + ((<usize>M4 * N) << 2), a + (<usize>M4 << 2), b, rows - M4, N, K, 4, aCol, accumulate, 0, N8);
}

function matmulRowsOfB(
  c: usize, a: usize, b: usize, M: i32, N: i32, K: i32,
  aRow: usize, aCol: usize, accumulate: bool,
): void {
  // Column panels of B (K×width, width a multiple of 8, the remainder in the last panel) small enough
  // to stay in cache while every row block of A passes over them.
  const width = panelWidth(K, 8);
  for (let j0 = 0; j0 < N; j0 += width) {
    const j1 = N - j0 < 2 * width ? N : j0 + width;
    rowsOfBPanel(c, a, b, M, N, K, aRow, aCol, accumulate, j0, j1);
    if (j1 == N) break;
  }
}

/** Columns [j0, j1) of C: the 8-wide tiles from j0, then the 4-wide and 1-wide edge up to j1. */
function rowsOfBPanel(
  c: usize, a: usize, b: usize, M: i32, N: i32, K: i32,
  aRow: usize, aCol: usize, accumulate: bool, j0: i32, j1: i32,
): void {
  const bRow: usize = <usize>N << 2;
  const cRow: usize = <usize>N << 2;
  const M4 = M & ~3;
  const N8 = j0 + ((j1 - j0) & ~7);
  const N4 = j0 + ((j1 - j0) & ~3);
  for (let i = 0; i < M4; i += 4) {
    const a0 = a + <usize>i * aRow;
    const a1 = a0 + aRow;
    const a2 = a1 + aRow;
    const a3 = a2 + aRow;
    const c0 = c + <usize>i * cRow;
    for (let j = j0; j < N8; j += 8) {
      let s00 = f32x4.splat(0), s01 = f32x4.splat(0);
      let s10 = f32x4.splat(0), s11 = f32x4.splat(0);
      let s20 = f32x4.splat(0), s21 = f32x4.splat(0);
      let s30 = f32x4.splat(0), s31 = f32x4.splat(0);
      let pa: usize = 0;
      let pb = b + (<usize>j << 2);
      for (let k = 0; k < K; k++) {
        const y0 = v128.load(pb);
        const y1 = v128.load(pb, 16);
        const x0 = v128.load32_splat(a0 + pa);
        s00 = madd(s00, x0, y0); s01 = madd(s01, x0, y1);
        const x1 = v128.load32_splat(a1 + pa);
        s10 = madd(s10, x1, y0); s11 = madd(s11, x1, y1);
        const x2 = v128.load32_splat(a2 + pa);
        s20 = madd(s20, x2, y0); s21 = madd(s21, x2, y1);
        const x3 = v128.load32_splat(a3 + pa);
        s30 = madd(s30, x3, y0); s31 = madd(s31, x3, y1);
        pa += aCol;
        pb += bRow;
      }
      const pc = c0 + (<usize>j << 2);
      storeVec(pc, s00, accumulate); storeVec(pc + 16, s01, accumulate);
      storeVec(pc + cRow, s10, accumulate); storeVec(pc + cRow + 16, s11, accumulate);
      storeVec(pc + 2 * cRow, s20, accumulate); storeVec(pc + 2 * cRow + 16, s21, accumulate);
      storeVec(pc + 3 * cRow, s30, accumulate); storeVec(pc + 3 * cRow + 16, s31, accumulate);
    }
    // Right edge: one 4×4 tile, then 4×1 columns.
    for (let j = N8; j < N4; j += 4) {
      let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
      let pa: usize = 0;
      let pb = b + (<usize>j << 2);
      for (let k = 0; k < K; k++) {
        const y = v128.load(pb);
        s0 = madd(s0, v128.load32_splat(a0 + pa), y);
        s1 = madd(s1, v128.load32_splat(a1 + pa), y);
        s2 = madd(s2, v128.load32_splat(a2 + pa), y);
        s3 = madd(s3, v128.load32_splat(a3 + pa), y);
        pa += aCol;
        pb += bRow;
      }
      const pc = c0 + (<usize>j << 2);
      storeVec(pc, s0, accumulate);
      storeVec(pc + cRow, s1, accumulate);
      storeVec(pc + 2 * cRow, s2, accumulate);
      storeVec(pc + 3 * cRow, s3, accumulate);
    }
    for (let j = N4; j < j1; j++) {
      let s0: f32 = 0, s1: f32 = 0, s2: f32 = 0, s3: f32 = 0;
      let pa: usize = 0;
      let pb = b + (<usize>j << 2);
      for (let k = 0; k < K; k++) {
        const y = load<f32>(pb);
        s0 += load<f32>(a0 + pa) * y;
        s1 += load<f32>(a1 + pa) * y;
        s2 += load<f32>(a2 + pa) * y;
        s3 += load<f32>(a3 + pa) * y;
        pa += aCol;
        pb += bRow;
      }
      const pc = c0 + (<usize>j << 2);
      storeScalar(pc, s0, accumulate);
      storeScalar(pc + cRow, s1, accumulate);
      storeScalar(pc + 2 * cRow, s2, accumulate);
      storeScalar(pc + 3 * cRow, s3, accumulate);
    }
  }
  // Bottom edge: single rows, 1×8 then 1×4 then 1×1 tiles.
  for (let i = M4; i < M; i++) {
    const a0 = a + <usize>i * aRow;
    const c0 = c + <usize>i * cRow;
    for (let j = j0; j < N8; j += 8) {
      let s0 = f32x4.splat(0), s1 = f32x4.splat(0);
      let pa: usize = 0;
      let pb = b + (<usize>j << 2);
      for (let k = 0; k < K; k++) {
        const x = v128.load32_splat(a0 + pa);
        s0 = madd(s0, x, v128.load(pb));
        s1 = madd(s1, x, v128.load(pb, 16));
        pa += aCol;
        pb += bRow;
      }
      const pc = c0 + (<usize>j << 2);
      storeVec(pc, s0, accumulate);
      storeVec(pc + 16, s1, accumulate);
    }
    for (let j = N8; j < N4; j += 4) {
      let s = f32x4.splat(0);
      let pa: usize = 0;
      let pb = b + (<usize>j << 2);
      for (let k = 0; k < K; k++) {
        s = madd(s, v128.load32_splat(a0 + pa), v128.load(pb));
        pa += aCol;
        pb += bRow;
      }
      storeVec(c0 + (<usize>j << 2), s, accumulate);
    }
    for (let j = N4; j < j1; j++) {
      let s: f32 = 0;
      let pa: usize = 0;
      let pb = b + (<usize>j << 2);
      for (let k = 0; k < K; k++) {
        s += load<f32>(a0 + pa) * load<f32>(pb);
        pa += aCol;
        pb += bRow;
      }
      storeScalar(c0 + (<usize>j << 2), s, accumulate);
    }
  }
}

// ---- B stored N×K: dot products of rows ----------------------------------------------------------

/** The four lane sums of x, y, z, w as one vector [Σx, Σy, Σz, Σw]. */
@inline
function laneSums(x: v128, y: v128, z: v128, w: v128): v128 {
  const xy = f32x4.add(v128.shuffle<f32>(x, y, 0, 1, 4, 5), v128.shuffle<f32>(x, y, 2, 3, 6, 7));
  const zw = f32x4.add(v128.shuffle<f32>(z, w, 0, 1, 4, 5), v128.shuffle<f32>(z, w, 2, 3, 6, 7));
  return f32x4.add(v128.shuffle<f32>(xy, zw, 0, 2, 4, 6), v128.shuffle<f32>(xy, zw, 1, 3, 5, 7));
}

@inline
function laneSum(x: v128): f32 {
  const pairs = f32x4.add(x, v128.shuffle<f32>(x, x, 2, 3, 0, 1));
  return f32x4.extract_lane(pairs, 0) + f32x4.extract_lane(pairs, 1);
}

function matmulDots(c: usize, a: usize, b: usize, M: i32, N: i32, K: i32, accumulate: bool): void {
  matmulDotsColumns(c, a, b, M, N, K, accumulate, 0, N);
}

/**
 * Columns [begin, end) of C (+)= A·Bᵀ, the rest untouched (reading only B's rows [begin, end)): a
 * thread's share of a conv layer's weight gradient (./conv.ts). Every element is computed exactly as
 * the full product computes it as long as begin is a multiple of 4 and end is one or N: the 2×4 tiles
 * then start at the same columns, and the odd columns at the right edge are the same.
 */
export function matmulDotsColumns(c: usize, a: usize, b: usize, M: i32, N: i32, K: i32, accumulate: bool, begin: i32, end: i32): void {
  // Panels of B's rows (width×K, width a multiple of 4, the remainder in the last panel) small enough
  // to stay in cache while every row block of A passes over them.
  const width = panelWidth(K, 4);
  for (let j0 = begin; j0 < end; j0 += width) {
    const j1 = end - j0 < 2 * width ? end : j0 + width;
    dotsPanel(c, a, b, M, N, K, accumulate, j0, j1);
    if (j1 == end) break;
  }
}

/** Columns [j0, j1) of C: 2×4 tiles from j0 (two per block of 4 rows), an odd last column and the bottom rows by single dots. */
function dotsPanel(c: usize, a: usize, b: usize, M: i32, N: i32, K: i32, accumulate: bool, j0: i32, j1: i32): void {
  const row: usize = <usize>K << 2; // bytes per row of A and of B
  const cRow: usize = <usize>N << 2;
  const kBytes4: usize = <usize>(K & ~3) << 2;
  const kBytes: usize = <usize>K << 2;
  const M4 = M & ~3;
  const N4 = j0 + ((j1 - j0) & ~3);
  const N2 = j0 + ((j1 - j0) & ~1);
  for (let i = 0; i < M4; i += 4) {
    const a0 = a + <usize>i * row;
    const a2 = a0 + 2 * row;
    const c0 = c + <usize>i * cRow;
    for (let j = j0; j < N4; j += 4) {
      const b0 = b + <usize>j * row;
      const pc = c0 + (<usize>j << 2);
      dots2x4(pc, a0, b0, b0 + row, b0 + 2 * row, b0 + 3 * row, row, cRow, kBytes4, kBytes, accumulate, 4);
      dots2x4(pc + 2 * cRow, a2, b0, b0 + row, b0 + 2 * row, b0 + 3 * row, row, cRow, kBytes4, kBytes, accumulate, 4);
    }
    if (N4 < N2) {
      // One column pair left: the same tile over B's rows j, j+1, j+1, j+1 (the same sums per lane), two lanes stored.
      const b0 = b + <usize>N4 * row;
      const pc = c0 + (<usize>N4 << 2);
      dots2x4(pc, a0, b0, b0 + row, b0 + row, b0 + row, row, cRow, kBytes4, kBytes, accumulate, 2);
      dots2x4(pc + 2 * cRow, a2, b0, b0 + row, b0 + row, b0 + row, row, cRow, kBytes4, kBytes, accumulate, 2);
    }
    if (N2 < j1) {
      const j = N2;
      for (let r = 0; r < 4; r++) storeScalar(c0 + <usize>r * cRow + (<usize>j << 2), dot(a + <usize>(i + r) * row, b + <usize>j * row, K), accumulate);
    }
  }
  for (let i = M4; i < M; i++) {
    const ai = a + <usize>i * row;
    const ci = c + <usize>i * cRow;
    for (let j = j0; j < j1; j++) storeScalar(ci + (<usize>j << 2), dot(ai, b + <usize>j * row, K), accumulate);
  }
}

/**
 * C's rows i, i+1 (a0 and the row after it) × columns j..j+3 (B's rows b0..b3): four k-mod-4 lanes per element, combined by laneSums, the K % 4 tail summed apart from 0 and
 * added once. A row of four sums is one vector, stored whole (width 4) or its first two lanes (width 2).
 */
@inline
function dots2x4(
  pc: usize, a0: usize, b0: usize, b1: usize, b2: usize, b3: usize, row: usize, cRow: usize,
  kBytes4: usize, kBytes: usize, accumulate: bool, width: i32,
): void {
  const a1 = a0 + row;
  let s00 = f32x4.splat(0), s01 = f32x4.splat(0), s02 = f32x4.splat(0), s03 = f32x4.splat(0);
  let s10 = f32x4.splat(0), s11 = f32x4.splat(0), s12 = f32x4.splat(0), s13 = f32x4.splat(0);
  for (let o: usize = 0; o < kBytes4; o += 16) {
    const x0 = v128.load(a0 + o);
    const x1 = v128.load(a1 + o);
    const y0 = v128.load(b0 + o);
    s00 = madd(s00, x0, y0); s10 = madd(s10, x1, y0);
    const y1 = v128.load(b1 + o);
    s01 = madd(s01, x0, y1); s11 = madd(s11, x1, y1);
    const y2 = v128.load(b2 + o);
    s02 = madd(s02, x0, y2); s12 = madd(s12, x1, y2);
    const y3 = v128.load(b3 + o);
    s03 = madd(s03, x0, y3); s13 = madd(s13, x1, y3);
  }
  let top = laneSums(s00, s01, s02, s03);
  let bottom = laneSums(s10, s11, s12, s13);
  if (kBytes4 < kBytes) {
    let t0 = f32x4.splat(0), t1 = f32x4.splat(0);
    for (let o = kBytes4; o < kBytes; o += 4) {
      const y = f32x4.replace_lane(f32x4.replace_lane(f32x4.replace_lane(
        f32x4.splat(load<f32>(b0 + o)), 1, load<f32>(b1 + o)), 2, load<f32>(b2 + o)), 3, load<f32>(b3 + o));
      t0 = madd(t0, v128.load32_splat(a0 + o), y);
      t1 = madd(t1, v128.load32_splat(a1 + o), y);
    }
    top = f32x4.add(top, t0);
    bottom = f32x4.add(bottom, t1);
  }
  if (width == 4) {
    storeVec(pc, top, accumulate);
    storeVec(pc + cRow, bottom, accumulate);
  } else {
    storeScalar(pc, f32x4.extract_lane(top, 0), accumulate);
    storeScalar(pc + 4, f32x4.extract_lane(top, 1), accumulate);
    storeScalar(pc + cRow, f32x4.extract_lane(bottom, 0), accumulate);
    storeScalar(pc + cRow + 4, f32x4.extract_lane(bottom, 1), accumulate);
  }
}

/** Σ_k x[k]·y[k] over K contiguous floats. */
@inline
function dot(x: usize, y: usize, K: i32): f32 {
  const kBytes4: usize = <usize>(K & ~3) << 2;
  const kBytes: usize = <usize>K << 2;
  let s = f32x4.splat(0);
  for (let o: usize = 0; o < kBytes4; o += 16) s = madd(s, v128.load(x + o), v128.load(y + o));
  let sum = laneSum(s);
  for (let o = kBytes4; o < kBytes; o += 4) sum += load<f32>(x + o) * load<f32>(y + o);
  return sum;
}

// ---- Aᵀ·Bᵀ (unused by the layers): plain loops ------------------------------------------------------

function matmulPlain(c: usize, a: usize, b: usize, M: i32, N: i32, K: i32, accumulate: bool, rowBegin: i32, rowEnd: i32): void {
  // op(A)[i, k] = A[k·M + i], op(B)[k, j] = B[j·K + k]
  for (let i = rowBegin; i < rowEnd; i++) {
    for (let j = 0; j < N; j++) {
      let s: f32 = 0;
      for (let k = 0; k < K; k++) s += load<f32>(a + ((<usize>k * M + i) << 2)) * load<f32>(b + ((<usize>j * K + k) << 2));
      storeScalar(c + ((<usize>i * N + j) << 2), s, accumulate);
    }
  }
}
