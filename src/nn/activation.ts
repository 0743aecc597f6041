// Elementwise activations over n values. Backward adds into dinp. ReLU and GELU read the saved
// input; tanh reads the saved output (tanh' = 1 − tanh²). These loops are the JS kernels'
// (src/nn/kernels.ts) and the references of the wasm ones (src/wasm/assembly/pool.ts for ReLU,
// elementwise.ts for tanh and GELU): a layer's activation runs through the run's kernels.
import type { Kernels } from './kernels.js';

export type Activation = 'relu' | 'tanh' | 'gelu';

export function reluForward(out: Float32Array, inp: Float32Array, n: number): void {
  for (let i = 0; i < n; i++) {
    const x = inp[i]!;
    out[i] = x > 0 ? x : 0;
  }
}

export function reluBackward(dinp: Float32Array, dout: Float32Array, inp: Float32Array, n: number): void {
  for (let i = 0; i < n; i++) if (inp[i]! > 0) dinp[i] = dinp[i]! + dout[i]!;
}

export function tanhForward(out: Float32Array, inp: Float32Array, n: number): void {
  for (let i = 0; i < n; i++) out[i] = Math.tanh(inp[i]!);
}

export function tanhBackward(dinp: Float32Array, dout: Float32Array, out: Float32Array, n: number): void {
  for (let i = 0; i < n; i++) {
    const y = out[i]!;
    dinp[i] = dinp[i]! + dout[i]! * (1 - y * y);
  }
}

// GELU, tanh approximation as in GPT-2 and llm.c:
//   gelu(x) = ½x(1 + tanh u),  u = √(2/π)(x + 0.044715x³)
// computed through ½(1 + tanh u) = σ(2u) = 1/(1 + e^(−2u)) (the same function; one exp is ~30% faster
// than Math.tanh in V8, and e^(−2u) = ∞ for very negative x gives exactly 0, never NaN). Then
//   gelu'(x) = σ(2u) + 2x·σ(2u)(1 − σ(2u))·√(2/π)(1 + 3·0.044715x²)      (as 1 − tanh²u = 4σ(1 − σ))
const GELU_SCALE = Math.sqrt(2 / Math.PI);

export function geluForward(out: Float32Array, inp: Float32Array, n: number): void {
  for (let i = 0; i < n; i++) {
    const x = inp[i]!;
    const u = GELU_SCALE * (x + 0.044715 * x * x * x);
    out[i] = x / (1 + Math.exp(-2 * u));
  }
}

export function geluBackward(dinp: Float32Array, dout: Float32Array, inp: Float32Array, n: number): void {
  for (let i = 0; i < n; i++) {
    const x = inp[i]!;
    const u = GELU_SCALE * (x + 0.044715 * x * x * x);
    const s = 1 / (1 + Math.exp(-2 * u));
    const local = s + 2 * x * s * (1 - s) * GELU_SCALE * (1 + 3 * 0.044715 * x * x);
    dinp[i] = dinp[i]! + dout[i]! * local;
  }
}

/**
 * Dispatch on the activation name (once per layer call, not per element). `saved`: n floats GELU's
 * forward may keep for its backward (Kernels.geluForward), or null; the same buffer goes to both.
 */
export function activationForward(
  kernels: Kernels, kind: Activation, out: Float32Array, inp: Float32Array, n: number, saved: Float32Array | null = null,
): void {
  switch (kind) {
    case 'relu':
      return kernels.reluForward(out, inp, n);
    case 'tanh':
      return kernels.tanhForward(out, inp, n);
    case 'gelu':
      return kernels.geluForward(out, inp, n, saved);
  }
}

export function activationBackward(
  kernels: Kernels,
  kind: Activation,
  dinp: Float32Array,
  dout: Float32Array,
  inp: Float32Array,
  out: Float32Array,
  n: number,
  saved: Float32Array | null = null,
): void {
  switch (kind) {
    case 'relu':
      return kernels.reluBackward(dinp, dout, inp, n);
    case 'tanh':
      return kernels.tanhBackward(dinp, dout, out, n);
    case 'gelu':
      return kernels.geluBackward(dinp, dout, inp, n, saved);
  }
}
