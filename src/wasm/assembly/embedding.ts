// The embedding's backward, a scatter-add: src/nn/embedding.ts embeddingBackward in f32x4 lanes along
// each row. Each add is one float32 rounding, as the TS loop's float64 add of two float32 values
// rounded to float32 is (double rounding is exact for a sum when 53 ≥ 2·24 + 2): the same bits.
// Pointers are byte offsets; N = lookups, C = embedding width.
import { addInto } from './lstm';

/** dtable[ids[n], :] += dout[n, :] for n < N, in order of n. */
export function embeddingBackward(dtable: usize, dout: usize, ids: usize, N: i32, C: i32): void {
  const rowBytes: usize = <usize>C << 2;
  for (let n = 0; n < N; n++) {
    addInto(dtable + <usize>load<i32>(ids + (<usize>n << 2)) * rowBytes, dout + <usize>n * rowBytes, C);
  }
}
