// C (M×N) += Aᵀ·B for A stored K×M and B stored K×N, the shape of a weight gradient summed over many
// rows (the LSTM's dW = Σ_rows ∂gatesᵀ·input). Every C element is the same float32 sum as ./matmul's
// Aᵀ·B kernel gives (its K products added in order k = 0, 1, … onto 0, the total then added to C),
// so results are bit-identical to it; only the memory order differs. ./matmul walks A's columns with
// a stride of M floats (a new cache line and page per k) and B in panels only 8 wide when K is large
// (K = T·B rows), re-reading all of A per panel. Here A is first packed into 4-column strips (packStrips)
// and each panel of B into 8-wide column tiles, so the 4×8 register tile streams two contiguous arrays.

@inline
function madd(acc: v128, x: v128, y: v128): v128 {
  return f32x4.add(acc, f32x4.mul(x, y));
}

/** dst [tile][k][8] = B's columns [j0, j0 + width) (width a multiple of 8), tile by tile. */
export function packColumnTiles(dst: usize, b: usize, K: i32, N: i32, j0: i32, width: i32): void {
  const bRow: usize = <usize>N << 2;
  for (let jt = 0; jt < width; jt += 8) {
    let pb = b + (<usize>(j0 + jt) << 2);
    let pd = dst + (<usize>(jt * K) << 2);
    for (let k = 0; k < K; k++) {
      v128.store(pd, v128.load(pb));
      v128.store(pd, v128.load(pb, 16), 16);
      pb += bRow;
      pd += 32;
    }
  }
}

/**
 * strips [i/4][k][4] = A[k, i..i+3] for i < M (A stored K×M, M a multiple of 4): A's columns in strips
 * of four, each strip K×4 contiguous, which is what a 4-row tile of Aᵀ·B reads. Row by row, so A is
 * read in order and the writes fill M/4 cache lines at a time.
 */
export function packStrips(strips: usize, a: usize, K: i32, M: i32): void {
  const stripBytes: usize = <usize>K << 4;
  for (let k = 0; k < K; k++) {
    const row = a + ((<usize>k * M) << 2);
    let dst = strips + (<usize>k << 4);
    for (let i = 0; i < M; i += 4) {
      v128.store(dst, v128.load(row + (<usize>i << 2)));
      dst += stripBytes;
    }
  }
}

/** The 4×8 tile of C at c (row stride N floats) (+)= strip (K×4, rows kStep bytes apart)ᵀ · packed tile (K×8). */
export function tile4x8(c: usize, strip: usize, kStep: usize, tile: usize, K: i32, N: i32, accumulate: bool): void {
  let s00 = f32x4.splat(0), s01 = f32x4.splat(0);
  let s10 = f32x4.splat(0), s11 = f32x4.splat(0);
  let s20 = f32x4.splat(0), s21 = f32x4.splat(0);
  let s30 = f32x4.splat(0), s31 = f32x4.splat(0);
  let pa = strip;
  let pb = tile;
  const end = strip + <usize>K * kStep;
  while (pa < end) {
    const y0 = v128.load(pb);
    const y1 = v128.load(pb, 16);
    const x0 = v128.load32_splat(pa);
    s00 = madd(s00, x0, y0); s01 = madd(s01, x0, y1);
    const x1 = v128.load32_splat(pa, 4);
    s10 = madd(s10, x1, y0); s11 = madd(s11, x1, y1);
    const x2 = v128.load32_splat(pa, 8);
    s20 = madd(s20, x2, y0); s21 = madd(s21, x2, y1);
    const x3 = v128.load32_splat(pa, 12);
    s30 = madd(s30, x3, y0); s31 = madd(s31, x3, y1);
    pa += kStep;
    pb += 32;
  }
  const cRow: usize = <usize>N << 2;
  storeVec(c, s00, accumulate); storeVec(c + 16, s01, accumulate);
  storeVec(c + cRow, s10, accumulate); storeVec(c + cRow + 16, s11, accumulate);
  storeVec(c + 2 * cRow, s20, accumulate); storeVec(c + 2 * cRow + 16, s21, accumulate);
  storeVec(c + 3 * cRow, s30, accumulate); storeVec(c + 3 * cRow + 16, s31, accumulate);
}

@inline
function storeVec(p: usize, value: v128, accumulate: bool): void {
  v128.store(p, accumulate ? f32x4.add(v128.load(p), value) : value);
}

/** C[i, j] += Σ_k A[k, i]·B[k, j] one element at a time, for all rows and columns [j0, N). */
function plainColumns(c: usize, a: usize, b: usize, M: i32, N: i32, K: i32, j0: i32): void {
  const aRow: usize = <usize>M << 2;
  const bRow: usize = <usize>N << 2;
  for (let i = 0; i < M; i++) {
    for (let j = j0; j < N; j++) {
      let s: f32 = 0;
      let pa = a + (<usize>i << 2);
      let pb = b + (<usize>j << 2);
      for (let k = 0; k < K; k++) {
        s += load<f32>(pa) * load<f32>(pb);
        pa += aRow;
        pb += bRow;
      }
      const pc = c + ((<usize>i * N + j) << 2);
      store<f32>(pc, load<f32>(pc) + s);
    }
  }
}

/**
 * C (M×N) += Aᵀ·B, A stored K×M, B stored K×N, M a multiple of 4 (the LSTM's 4H gate columns). A is
 * read as strips of four of its columns, one per 4-row tile of C: strip i/4 starts at
 * strips + (i/4)·stripStep and its row k lies kStep bytes after row k − 1. For A itself that is
 * (a, 16, 4M); for A packed by packStrips (K' ≥ K rows) it is (packed, 16K', 16), which pays when A
 * is too large for the cache. `a` is also read directly for C's last N mod 8 columns. `panel` is
 * scratch of `panelFloats` ≥ 8·K floats for B's columns packed in 8-wide tiles; their number sets the
 * panel width (the caller sizes it for the cache: src/nn/lstm.ts lstmPanelFloats).
 */
export function addTransposedProduct(
  c: usize, a: usize, b: usize, M: i32, N: i32, K: i32,
  strips: usize, stripStep: usize, kStep: usize, panel: usize, panelFloats: i32,
): void {
  if (K == 0) return;
  const N8 = N & ~7;
  const width = min((panelFloats / K) & ~7, N8);
  if (width <= 0) {
    plainColumns(c, a, b, M, N, K, 0);
    return;
  }
  for (let j0 = 0; j0 < N8; j0 += width) {
    const w = min(width, N8 - j0);
    packColumnTiles(panel, b, K, N, j0, w);
    for (let i = 0; i < M; i += 4) {
      const strip = strips + <usize>(i >> 2) * stripStep;
      const c0 = c + ((<usize>i * N + j0) << 2);
      for (let jt = 0; jt < w; jt += 8) tile4x8(c0 + (<usize>jt << 2), strip, kStep, panel + (<usize>(jt * K) << 2), K, N, true);
    }
  }
  plainColumns(c, a, b, M, N, K, N8);
}
