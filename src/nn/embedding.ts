// Embedding lookup (a gather) and its backward (a scatter-add). Used for token embeddings and, with
// the ids 0..T−1 repeated, for learned position embeddings (accumulated onto the token embeddings).
// N = number of lookups, C = embedding width, table is rows×C.
// Both are the JS kernels' (src/nn/kernels.ts) and the references of the wasm kernels
// (src/wasm/assembly/embedding.ts).

/** out[n, :] (+)= table[ids[n], :]. `accumulate` adds (to sum token and position embeddings). */
export function embeddingForward(
  out: Float32Array,
  ids: Int32Array,
  table: Float32Array,
  N: number,
  C: number,
  accumulate: boolean,
): void {
  for (let n = 0; n < N; n++) {
    const src = ids[n]! * C;
    const dst = n * C;
    if (accumulate) for (let c = 0; c < C; c++) out[dst + c] = out[dst + c]! + table[src + c]!;
    else for (let c = 0; c < C; c++) out[dst + c] = table[src + c]!;
  }
}

/** dtable[ids[n], :] += dout[n, :]. */
export function embeddingBackward(dtable: Float32Array, dout: Float32Array, ids: Int32Array, N: number, C: number): void {
  for (let n = 0; n < N; n++) {
    const dst = ids[n]! * C;
    const src = n * C;
    for (let c = 0; c < C; c++) dtable[dst + c] = dtable[dst + c]! + dout[src + c]!;
  }
}
