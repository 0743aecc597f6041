// 2-D max pooling over NCHW activations, k×k windows at stride s, no padding (TF's 'valid', DeepOBS's
// 2×2/2): Ho = floor((H − k)/s) + 1, likewise Wo. The forward saves, per output, the index in x of the
// maximum it took; the backward adds dout there. Ties go to the first maximum in scan order (row by
// row), as PyTorch's max_pool2d. The output is NCHW, which is already the flattened (B, C·Ho·Wo) matrix
// a linear layer reads (see src/nn/conv2d.ts). These loops are the JS kernels' (src/nn/kernels.ts) and
// the reference of the wasm ones (src/wasm/assembly/pool.ts); the cnn calls them through the run's kernels.
// Legend: B = batch, C = channels, H×W = input plane, Ho×Wo = output plane.
import type { Arena } from './arena.js';

export interface MaxPool2dBuffers {
  B: number;
  C: number;
  H: number;
  W: number;
  k: number;
  stride: number;
  Ho: number;
  Wo: number;
  /** (B, C, Ho, Wo) the layer's output. */
  out: Float32Array;
  /** (B, C, Ho, Wo) ∂loss/∂out: the consumer adds into it (or writes it). */
  dout: Float32Array;
  /** (B, C, Ho, Wo) index into x of each output's maximum, kept for the backward. */
  argmax: Int32Array;
}

/** The output length of n inputs under windows of k at stride s: floor((n − k)/s) + 1 (n ≥ k). */
export function pooledSize(n: number, k: number, stride: number): number {
  return Math.floor((n - k) / stride) + 1;
}

export function maxPool2dBuffers(arena: Arena, B: number, C: number, H: number, W: number, k: number, stride: number): MaxPool2dBuffers {
  if (H < k || W < k) throw new Error(`maxpool2d: input ${H}×${W} smaller than the ${k}×${k} window`);
  const Ho = pooledSize(H, k, stride);
  const Wo = pooledSize(W, k, stride);
  const n = B * C * Ho * Wo;
  return { B, C, H, W, k, stride, Ho, Wo, out: arena.floats(n), dout: arena.floats(n), argmax: arena.ints(n) };
}

/** out = the maximum of each window of x (B, C, H, W); argmax = where it was. */
export function maxPool2dForward(buf: MaxPool2dBuffers, x: Float32Array): void {
  const { B, C, H, W, k, stride, Ho, Wo, out, argmax } = buf;
  let o = 0;
  for (let plane = 0; plane < B * C; plane++) {
    const base = plane * H * W;
    for (let oh = 0; oh < Ho; oh++) {
      for (let ow = 0; ow < Wo; ow++, o++) {
        const corner = base + oh * stride * W + ow * stride;
        let best = corner;
        let bestValue = x[corner]!;
        for (let ki = 0; ki < k; ki++) {
          for (let kj = 0; kj < k; kj++) {
            const i = corner + ki * W + kj;
            if (x[i]! > bestValue) {
              bestValue = x[i]!;
              best = i;
            }
          }
        }
        out[o] = bestValue;
        argmax[o] = best;
      }
    }
  }
}

/** dx[argmax[o]] += dout[o]: each output's gradient goes to the input it copied. */
export function maxPool2dBackward(buf: MaxPool2dBuffers, dx: Float32Array): void {
  const { dout, argmax } = buf;
  for (let o = 0; o < dout.length; o++) {
    const i = argmax[o]!;
    dx[i] = dx[i]! + dout[o]!;
  }
}
