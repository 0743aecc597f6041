// Aᵀ·B (A stored K×M, B stored K×N) through packed copies: strips of four of A's columns and panels of
// B's columns copied into this instance's scratch, so the 4×8 register tile streams two contiguous
// arrays instead of walking A's columns (M floats apart: a page or more per k when M is large) and B's
// rows. Each C element is the float32 sum ./matmul's Aᵀ·B kernel forms (products added in order
// k = 0, 1, … onto 0, the total then stored or added onto C), so results are bit-identical; only the
// memory order differs. (Packed A·B measured no faster here, so A·B stays unpacked.)
import { packColumnTiles, tile4x8 } from './transposed';

// This instance's scratch (byte offset, bytes): a region of the shared memory no other thread uses,
// set by the TS side (src/wasm/wasm-kernels.ts, kernel-thread.ts) right after instantiation. A module
// global is per instance, so each thread's instance sees its own region. 0 bytes: no packing.
let scratch: usize = 0;
let scratchBytes: usize = 0;

export function setScratch(at: usize, bytes: usize): void {
  scratch = at;
  scratchBytes = bytes;
}

// Floats of B a packed panel holds at most (192 KiB, with a strip of A within the 256 KiB scratch): it
// stays in the L2 cache while the row blocks pass. Measured against 64 KiB: 2c2d fc0 dW 1.07×, the char
// LSTM head dW (K = 2048) 1.25×, the MLP the same.
const PANEL_FLOATS: i32 = 49152;

/**
 * Whether packedTransposed can run Aᵀ·B (M×N×K) and pays: scratch holds a strip of A (4K floats) and
 * at least one 8-wide tile of B (8K floats), and a strip's walk down A's columns leaves the cache: A's
 * rows 1 KiB or more apart (M ≥ 256) over K ≥ 128 rows, or K ≥ 1024 rows whatever M (measured: the
 * MLP's and 2c2d's dW 1.1–1.3× faster, the char LSTM head's dW 1.1×; smaller products and K = 64 run
 * as fast or faster unpacked).
 */
export function packedPays(M: i32, N: i32, K: i32): bool {
  if (N < 8 || K < 128 || (M < 256 && K < 1024)) return false;
  return <usize>K * 48 <= scratchBytes;
}

/**
 * C (+)= Aᵀ·B for rows [0, rows & ~3) and columns [0, N & ~7) of C, the caller doing the rest. `a` is
 * A's column of C's first row, `M` A's row length (floats), so op(A)[i, k] is at a + 4i + 4kM.
 */
export function packedTransposed(
  c: usize, a: usize, b: usize, M: i32, rows: i32, N: i32, K: i32, accumulate: bool,
): void {
  const strip = scratch;
  const panel = scratch + (<usize>K << 4);
  const room = <i32>((scratchBytes - (<usize>K << 4)) >> 2);
  const N8 = N & ~7;
  const M4 = rows & ~3;
  const width = min(min(PANEL_FLOATS, room) / K & ~7, N8);
  const aCol: usize = <usize>M << 2;
  for (let j0 = 0; j0 < N8; j0 += width) {
    const w = min(width, N8 - j0);
    packColumnTiles(panel, b, K, N, j0, w);
    for (let i = 0; i < M4; i += 4) {
      packStrip(strip, a + (<usize>i << 2), K, aCol);
      const c0 = c + ((<usize>i * N + j0) << 2);
      for (let jt = 0; jt < w; jt += 8) tile4x8(c0 + (<usize>jt << 2), strip, 16, panel + (<usize>(jt * K) << 2), K, N, accumulate);
    }
  }
}

/** strip[k][r] = A[k, r] for r < 4, k < K (A's rows aCol bytes apart): the layout tile4x8 reads. */
function packStrip(strip: usize, a: usize, K: i32, aCol: usize): void {
  let pa = a;
  let pd = strip;
  for (let k = 0; k < K; k++) {
    v128.store(pd, v128.load(pa));
    pa += aCol;
    pd += 16;
  }
}
