// The fixed chunking of the float64 sums a step reports (‖g‖₂'s Σg², the update norm's Σ(θ_t − θ_{t−1})²):
// a sum over n floats is the sum, in order, of the sums of contiguous chunks of SUM_CHUNK floats (the
// last one shorter). Chunks are what threads split such a sum by (src/wasm/jobs.ts), so the value is the
// same for any thread count; each chunk's own scheme is its kernel's (./clip.ts, ./adam.ts …).
// (Until this definition the sums ran over all n floats in one chain; the last bits of grad_norm and
// update_norm changed once with it.)

/** Floats per chunk: a multiple of 256 (the wasm optimizer kernels' blocks) and of 8 (clip.ts's lanes). */
export const SUM_CHUNK = 1 << 14;

/** How many chunks n floats make. */
export function chunkCount(n: number): number {
  return Math.ceil(n / SUM_CHUNK);
}
