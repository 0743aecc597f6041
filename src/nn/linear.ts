// Fully connected layer, PyTorch layout: weight is OC×C (out × in), out = inp·Wᵀ + b.
// N = rows (batch, or batch·seq_len), C = input features, OC = output features. The products run
// through the run's kernels (src/nn/kernels.ts).
import type { Kernels } from './kernels.js';

/** out[N×OC] = inp[N×C] · weight[OC×C]ᵀ + bias[OC]   (bias may be null). */
export function linearForward(
  kernels: Kernels,
  out: Float32Array,
  inp: Float32Array,
  weight: Float32Array,
  bias: Float32Array | null,
  N: number,
  C: number,
  OC: number,
): void {
  kernels.matmul(out, inp, weight, N, OC, C, false, true, false);
  // a bias per output feature is conv's per-channel bias with planes of one value
  if (bias !== null) kernels.addChannelBias(out, bias, N, OC, 1);
}

/**
 * Adds the gradients: dinp += dout·W, dweight += doutᵀ·inp, dbias += Σ_n dout[n].
 * dinp may be null when the input needs no gradient (the data).
 */
export function linearBackward(
  kernels: Kernels,
  dinp: Float32Array | null,
  dweight: Float32Array,
  dbias: Float32Array | null,
  dout: Float32Array,
  inp: Float32Array,
  weight: Float32Array,
  N: number,
  C: number,
  OC: number,
): void {
  if (dinp !== null) kernels.matmul(dinp, dout, weight, N, C, OC, false, false, true);
  kernels.matmul(dweight, dout, inp, OC, C, N, true, false, true);
  // row by row in order, as conv's per-channel sums are image by image (a plane of one sums exactly)
  if (dbias !== null) kernels.addChannelSums(dbias, dout, N, OC, 1);
}
