// The embedding's lookup (a gather, copying or adding rows) and its backward (a scatter-add):
// src/nn/embedding.ts in f32x4 lanes along each row. Each add is one float32 rounding, as the TS loop's float64 add of two float32 values
// rounded to float32 is (double rounding is exact for a sum when 53 ≥ 2·24 + 2): the same bits.
// Pointers are byte offsets; N = lookups, C = embedding width.
import { addInto } from './lstm';

/** out[n, :] (+)= table[ids[n], :] for n < N; `accumulate` adds (position embeddings onto token ones). */
export function embeddingForward(out: usize, ids: usize, table: usize, N: i32, C: i32, accumulate: bool): void {
  const rowBytes: usize = <usize>C << 2;
  for (let n = 0; n < N; n++) {
    const src = table + <usize>load<i32>(ids + (<usize>n << 2)) * rowBytes;
    if (accumulate) addInto(out + <usize>n * rowBytes, src, C);
    else memory.copy(out + <usize>n * rowBytes, src, rowBytes);
  }
}

/** dtable[ids[n], :] += dout[n, :] for n < N, in order of n. */
export function embeddingBackward(dtable: usize, dout: usize, ids: usize, N: i32, C: i32): void {
  const rowBytes: usize = <usize>C << 2;
  for (let n = 0; n < N; n++) {
    addInto(dtable + <usize>load<i32>(ids + (<usize>n << 2)) * rowBytes, dout + <usize>n * rowBytes, C);
  }
}
