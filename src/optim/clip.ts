// The gradient's global norm and clipping by it, as torch.nn.utils.clip_grad_norm_ (optax:
// clip_by_global_norm): ‖g‖₂ = √Σg_i², and when ‖g‖₂ > max_norm, g ← g·max_norm/(‖g‖₂ + 10⁻⁶).
// The two loops are kernels (src/nn/kernels.ts); the ones here are the JS reference. The norm is
// written to trace.csv at full precision, so the wasm versions must match these bit for bit: the sum is
// sequential in float64 (no lanes, no reassociation), and each clipped g_i is its float64 product rounded once to float32.
import type { Kernels } from '../nn/kernels.js';

/** Σ x_i² over x[0, n): each x_i widened to float64, squared and added in order. */
export function sumOfSquares(x: Float32Array, n: number): number {
  let sum = 0;
  for (let i = 0; i < n; i++) sum += x[i]! * x[i]!;
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
