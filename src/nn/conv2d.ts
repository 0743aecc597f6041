// 2-D convolution (cross-correlation, as PyTorch's nn.Conv2d and TF's conv2d) over NCHW activations,
// by im2col + matmul: per image, the input patches are unrolled into a columns matrix and the layer is
// one product out = W·cols, so the wasm kernel set runs it at its SIMD matmul speed. conv2dForward and
// conv2dBackward here are the JS kernels' (src/nn/kernels.ts) and the reference of the wasm ones
// (src/wasm/assembly/conv.ts, which split a layer across threads by images and by columns of dW); a
// model calls the run's kernels, kernels.conv2dForward(buf, p, x).
//
// Legend: B = batch, C = input channels, Cout = output channels, H×W = input plane, k = kernel size
// (square), s = stride, Ho×Wo = output plane, CKK = C·k·k (rows of cols), HWo = Ho·Wo (its columns).
// weight is (Cout, C, k, k) = the Cout×CKK matrix; bias is (Cout).
//
// Padding, as TensorFlow (whose conventions DeepOBS uses):
//   'valid': no padding; Ho = floor((H − k)/s) + 1.
//   'same':  Ho = ceil(H/s); the total padding max((Ho − 1)·s + k − H, 0) is split with the smaller half
//            before (top/left) and the extra pixel after (bottom/right). For stride 1 and odd k that is
//            (k − 1)/2 on each side, PyTorch's padding='same'; for even k or s > 1 it is TF's choice
//            (PyTorch's padding='same' rejects s > 1, and for even k also pads the extra pixel at the end).
//
// Flatten: an NCHW buffer (B, C, H, W) is, contiguously, the (B, C·H·W) matrix a linear layer reads, in
// the order torch.flatten(x, 1) gives; so a conv or pool output feeds linearForward as is (N = B,
// C = C·H·W) and its dx is the conv/pool's dout: no flatten layer and no copy.
import type { Arena, Param } from './arena.js';
import { matmul } from './matmul.js';

export type Padding = 'same' | 'valid';

/** The sizes of one conv layer, computed once by conv2dGeometry. */
export interface Conv2dGeometry {
  C: number;
  H: number;
  W: number;
  Cout: number;
  k: number;
  stride: number;
  Ho: number;
  Wo: number;
  /** Padding rows above / columns left of the input (the rest of 'same' padding goes after). */
  padTop: number;
  padLeft: number;
}

export interface Conv2dParams {
  /** (Cout, C, k, k) */
  weight: Param;
  /** (Cout) */
  bias: Param;
}

export interface Conv2dBuffers {
  g: Conv2dGeometry;
  B: number;
  /** (B, Cout, Ho, Wo) the layer's output. */
  out: Float32Array;
  /** (B, Cout, Ho, Wo) ∂loss/∂out: the consumer adds into it (or writes it). */
  dout: Float32Array;
  /** (CKK, HWo) one image's unrolled patches; rebuilt per image, in the backward too (saving it for a
   * whole batch would cost B times the memory: 80 MB for DeepOBS 2c2d's second conv at B = 128). The
   * wasm kernels unroll into each thread's own scratch instead (kernels.reserveThreadScratch). */
  cols: Float32Array;
  /** (CKK, HWo) ∂loss/∂cols of one image; backward scratch, folded back into dx by col2im. */
  dcols: Float32Array;
}

/** Output size and padding of 'same' or 'valid' along one axis of length n. */
function axis(n: number, k: number, stride: number, padding: Padding): { out: number; padBefore: number } {
  if (padding === 'valid') {
    if (n < k) throw new Error(`conv2d: input ${n} smaller than kernel ${k} with 'valid' padding`);
    return { out: Math.floor((n - k) / stride) + 1, padBefore: 0 };
  }
  const out = Math.ceil(n / stride);
  const total = Math.max((out - 1) * stride + k - n, 0);
  return { out, padBefore: Math.floor(total / 2) };
}

export function conv2dGeometry(
  C: number, H: number, W: number, Cout: number, k: number, stride: number, padding: Padding,
): Conv2dGeometry {
  const rows = axis(H, k, stride, padding);
  const cols = axis(W, k, stride, padding);
  return { C, H, W, Cout, k, stride, Ho: rows.out, Wo: cols.out, padTop: rows.padBefore, padLeft: cols.padBefore };
}

export function conv2dParams(arena: Arena, name: string, g: Conv2dGeometry): Conv2dParams {
  return {
    weight: arena.param(`${name}.w`, [g.Cout, g.C, g.k, g.k]),
    bias: arena.param(`${name}.b`, [g.Cout]),
  };
}

/** Floats of cols (or dcols): one image's C·k·k × Ho·Wo. */
export function colsFloats(g: Conv2dGeometry): number {
  return g.C * g.k * g.k * g.Ho * g.Wo;
}

export function conv2dBuffers(arena: Arena, g: Conv2dGeometry, B: number): Conv2dBuffers {
  const outSize = B * g.Cout * g.Ho * g.Wo;
  arena.kernels.reserveThreadScratch(colsFloats(g));
  return { g, B, out: arena.floats(outSize), dout: arena.floats(outSize), cols: arena.floats(colsFloats(g)), dcols: arena.floats(colsFloats(g)) };
}

// The output columns whose input column ow·s − padLeft + kj lies inside [0, W) are [firstInside,
// endInside); the others read padding.
function firstInside(g: Conv2dGeometry, kj: number): number {
  return Math.min(g.Wo, Math.max(0, Math.ceil((g.padLeft - kj) / g.stride)));
}
function endInside(g: Conv2dGeometry, kj: number, lo: number): number {
  return Math.max(lo, Math.min(g.Wo, Math.floor((g.W - 1 + g.padLeft - kj) / g.stride) + 1));
}

/** cols[(c·k + ki)·k + kj, oh·Wo + ow] = x[xOff + (c, oh·s − padTop + ki, ow·s − padLeft + kj)], 0 in the padding. */
export function im2col(cols: Float32Array, x: Float32Array, xOff: number, g: Conv2dGeometry): void {
  const { C, H, W, k, stride, Ho, Wo, padTop, padLeft } = g;
  let row = 0;
  for (let c = 0; c < C; c++) {
    for (let ki = 0; ki < k; ki++) {
      for (let kj = 0; kj < k; kj++, row++) {
        const lo = firstInside(g, kj);
        const hi = endInside(g, kj, lo);
        for (let oh = 0; oh < Ho; oh++) {
          const dst = (row * Ho + oh) * Wo;
          const ih = oh * stride - padTop + ki;
          if (ih < 0 || ih >= H) {
            cols.fill(0, dst, dst + Wo);
            continue;
          }
          const src = xOff + (c * H + ih) * W - padLeft + kj;
          for (let ow = 0; ow < lo; ow++) cols[dst + ow] = 0;
          for (let ow = lo; ow < hi; ow++) cols[dst + ow] = x[src + ow * stride]!;
          for (let ow = hi; ow < Wo; ow++) cols[dst + ow] = 0;
        }
      }
    }
  }
}

/** The adjoint of im2col: dx[dxOff + (c, ih, iw)] += every dcols entry im2col read from (c, ih, iw). */
export function col2im(dx: Float32Array, dxOff: number, dcols: Float32Array, g: Conv2dGeometry): void {
  const { C, H, W, k, stride, Ho, Wo, padTop, padLeft } = g;
  let row = 0;
  for (let c = 0; c < C; c++) {
    for (let ki = 0; ki < k; ki++) {
      for (let kj = 0; kj < k; kj++, row++) {
        const lo = firstInside(g, kj);
        const hi = endInside(g, kj, lo);
        for (let oh = 0; oh < Ho; oh++) {
          const ih = oh * stride - padTop + ki;
          if (ih < 0 || ih >= H) continue;
          const src = (row * Ho + oh) * Wo;
          const dst = dxOff + (c * H + ih) * W - padLeft + kj;
          for (let ow = lo; ow < hi; ow++) dx[dst + ow * stride] = dx[dst + ow * stride]! + dcols[src + ow]!;
        }
      }
    }
  }
}

/** out[(b·C + c)·plane + i] += bias[c]: a per-channel bias over B images of C planes. */
export function addChannelBias(out: Float32Array, bias: Float32Array, B: number, C: number, plane: number): void {
  for (let b = 0; b < B; b++) {
    for (let c = 0; c < C; c++) {
      const at = (b * C + c) * plane;
      const bc = bias[c]!;
      for (let i = 0; i < plane; i++) out[at + i] = out[at + i]! + bc;
    }
  }
}

/** Its adjoint: dbias[c] += Σ_i dout[(b·C + c)·plane + i], image by image in order, each plane summed in float64. */
export function addChannelSums(dbias: Float32Array, dout: Float32Array, B: number, C: number, plane: number): void {
  for (let b = 0; b < B; b++) {
    for (let c = 0; c < C; c++) {
      const at = (b * C + c) * plane;
      let sum = 0;
      for (let i = 0; i < plane; i++) sum += dout[at + i]!;
      dbias[c] = dbias[c]! + sum;
    }
  }
}

/** out[b] = W·im2col(x[b]) + bias, image by image; x is (B, C, H, W). */
export function conv2dForward(buf: Conv2dBuffers, p: Conv2dParams, x: Float32Array): void {
  const { g, B, out, cols } = buf;
  const CKK = g.C * g.k * g.k;
  const HWo = g.Ho * g.Wo;
  for (let b = 0; b < B; b++) {
    im2col(cols, x, b * g.C * g.H * g.W, g);
    matmul(out, p.weight.w, cols, g.Cout, HWo, CKK, false, false, false, b * g.Cout * HWo);
  }
  addChannelBias(out, p.bias.w, B, g.Cout, HWo);
}

/**
 * Adds the gradients, per image: dW += dout[b]·colsᵀ, dbias += Σ dout[b] over the plane, and (unless
 * dx is null: the data) dx[b] += col2im(Wᵀ·dout[b]). Rebuilds cols from x, so x must be unchanged.
 */
export function conv2dBackward(buf: Conv2dBuffers, p: Conv2dParams, x: Float32Array, dx: Float32Array | null): void {
  const { g, B, dout, cols, dcols } = buf;
  const CKK = g.C * g.k * g.k;
  const HWo = g.Ho * g.Wo;
  addChannelSums(p.bias.g, dout, B, g.Cout, HWo);
  for (let b = 0; b < B; b++) {
    const xOff = b * g.C * g.H * g.W;
    const doutOff = b * g.Cout * HWo;
    im2col(cols, x, xOff, g);
    matmul(p.weight.g, dout, cols, g.Cout, CKK, HWo, false, true, true, 0, doutOff, 0);
    if (dx === null) continue;
    matmul(dcols, p.weight.w, dout, CKK, HWo, g.Cout, true, false, false, 0, 0, doutOff);
    col2im(dx, xOff, dcols, g);
  }
}
