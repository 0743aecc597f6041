// The gradient's global norm and clipping by it, as torch.nn.utils.clip_grad_norm_ (optax:
// clip_by_global_norm): ‖g‖₂ = √Σg_i², and when ‖g‖₂ > max_norm, g ← g·max_norm/(‖g‖₂ + 10⁻⁶).
// The two loops are kernels (src/nn/kernels.ts); the ones here are the JS reference. The norm is
// written to trace.csv at full precision, so the wasm versions must match these bit for bit: Σg² is
// the fixed chunked sum of ./chunks.ts (the same for any thread count) and each chunk's sum a fixed
// float64 scheme (below); each clipped g_i is its float64 product rounded once to float32.
import type { Kernels } from '../nn/kernels.js';
import { SUM_CHUNK } from './chunks.js';

/** Σ x_i² over x[0, n): the chunks' sums (chunkSumOfSquares) added in order. */
export function sumOfSquares(x: Float32Array, n: number): number {
  let sum = 0;
  for (let begin = 0; begin < n; begin += SUM_CHUNK) sum += chunkSumOfSquares(x, begin, Math.min(n, begin + SUM_CHUNK));
  return sum;
}

/**
 * Σ x_i² over x[begin, end), each x_i widened to float64 and squared: eight sums s_j of the i ≡ j (mod
 * 8) terms in order (eight independent chains of adds instead of one waiting on each add's latency),
 * combined as ((s0 + s2) + (s4 + s6)) + ((s1 + s3) + (s5 + s7)) (how the wasm kernel's float64 lanes
 * fold), then the (end − begin) mod 8 last terms added in order.
 */
export function chunkSumOfSquares(x: Float32Array, begin: number, end: number): number {
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
  let i = begin;
  for (; i + 8 <= end; i += 8) {
    s0 += x[i]! * x[i]!;
    s1 += x[i + 1]! * x[i + 1]!;
    s2 += x[i + 2]! * x[i + 2]!;
    s3 += x[i + 3]! * x[i + 3]!;
    s4 += x[i + 4]! * x[i + 4]!;
    s5 += x[i + 5]! * x[i + 5]!;
    s6 += x[i + 6]! * x[i + 6]!;
    s7 += x[i + 7]! * x[i + 7]!;
  }
  let sum = (s0 + s2 + (s4 + s6)) + (s1 + s3 + (s5 + s7));
  for (; i < end; i++) sum += x[i]! * x[i]!;
  return sum;
}

/** x_i ← x_i·factor over x[0, n): the product in float64, rounded to float32 when stored. */
export function scaleInPlace(x: Float32Array, n: number, factor: number): void {
  for (let i = 0; i < n; i++) x[i] = x[i]! * factor;
}

/** ‖g‖₂ of the first n gradient entries. */
export function gradNorm(kernels: Kernels, g: Float32Array, n: number): number {
  return Math.sqrt(kernels.sumOfSquares(g, n));
}

/** The factor clip_grad_norm_ scales by: max_norm / (‖g‖₂ + 10⁻⁶) (torch's ε keeps it finite). */
export function clipFactor(norm: number, maxNorm: number): number {
  return maxNorm / (norm + 1e-6);
}

/** Clip g (whose norm is `norm`) to `maxNorm` when it is longer; undefined maxNorm: no clipping. */
export function clipGradNorm(kernels: Kernels, g: Float32Array, n: number, norm: number, maxNorm: number | undefined): void {
  if (maxNorm !== undefined && norm > maxNorm) kernels.scaleInPlace(g, n, clipFactor(norm, maxNorm));
}
