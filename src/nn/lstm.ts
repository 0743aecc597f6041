// One LSTM layer over a whole sequence, with fused gates and full backpropagation through time
// (Hochreiter & Schmidhuber 1997; the PyTorch nn.LSTM formulation and gate order i, f, g, o):
//   [i f g o] = [σ σ tanh σ](x_t·W_ihᵀ + h_{t−1}·W_hhᵀ + b)
//   c_t = f ⊙ c_{t−1} + i ⊙ g,    h_t = o ⊙ tanh(c_t),    h_{−1} = c_{−1} = 0
// One bias vector (PyTorch's b_ih + b_hh are redundant). Stack layers by feeding one layer's h to the next.
// Activations are time-major: T = seq_len, B = batch, In = input width, H = hidden width; a buffer of
// shape (T, B, X) holds row (t, b) at (t·B + b)·X. Each gate row is [i | f | g | o], 4H wide.
// lstmForward / lstmBackward are the JS kernels' LSTM (src/nn/kernels.ts) and the reference of the wasm
// kernels', which run the whole layer as one call (src/wasm/assembly/lstm.ts, the same steps in f32x4).
// Models call the layer through their run's kernels: `kernels.lstmForward(buf, p, x)`, or for a first
// layer fed from an embedding table, `kernels.lstmForwardTokens(buf, p, x, tokens)` (same results).
import type { Arena, Param } from './arena.js';
import { matmul } from './matmul.js';
import { embeddingForward } from './embedding.js';

export interface LstmParams {
  /** 4H×In */
  wih: Param;
  /** 4H×H */
  whh: Param;
  /** 4H */
  bias: Param;
}

export interface LstmBuffers {
  T: number;
  B: number;
  In: number;
  H: number;
  /** (T, B, 4H) gate activations i, f, g, o (after σ / tanh), kept for the backward. */
  gates: Float32Array;
  /** (T, B, H) cell states. */
  c: Float32Array;
  /** (T, B, H) tanh(c_t). */
  tanhC: Float32Array;
  /** (T, B, H) hidden states: the layer's output. */
  h: Float32Array;
  /** (T, B, H) ∂loss/∂h_t: the consumer adds into it; the backward adds the recurrent part. */
  dh: Float32Array;
  /** (T, B, 4H) ∂loss/∂(gate pre-activations); backward scratch. */
  dgates: Float32Array;
  /** (B, H) ∂loss/∂c_t carried backwards in time. */
  dcNext: Float32Array;
  /** (T·B·4H) scratch of the wasm backward: dgates in 4-column strips (src/wasm/assembly/transposed.ts). */
  gateStrips: Float32Array;
  /** (lstmPanelFloats) scratch of the wasm backward: a panel of h or x packed for the same products. The TS layer uses neither. */
  panel: Float32Array;
}

// The wasm weight-gradient products (src/wasm/assembly/transposed.ts) pack a K×width panel of h or x
// (width a multiple of 8) sized to stay in this core's 1 MiB L2 beside the strips of dgates it meets.
const PANEL_FLOATS = 65536;

/** Floats of the panel for K = T·B rows and In, H columns: ≈ PANEL_FLOATS, at least 8 and at most max(In, H) (rounded up to 8) wide. */
export function lstmPanelFloats(T: number, B: number, In: number, H: number): number {
  const K = T * B;
  const width = Math.min(Math.ceil(Math.max(In, H) / 8) * 8, Math.max(8, Math.floor(PANEL_FLOATS / K / 8) * 8));
  return K * width;
}

export function lstmParams(arena: Arena, name: string, In: number, H: number): LstmParams {
  return {
    wih: arena.param(`${name}.w_ih`, [4 * H, In]),
    whh: arena.param(`${name}.w_hh`, [4 * H, H]),
    bias: arena.param(`${name}.b`, [4 * H]),
  };
}

export function lstmBuffers(arena: Arena, T: number, B: number, In: number, H: number): LstmBuffers {
  return {
    T,
    B,
    In,
    H,
    gates: arena.floats(T * B * 4 * H),
    c: arena.floats(T * B * H),
    tanhC: arena.floats(T * B * H),
    h: arena.floats(T * B * H),
    dh: arena.floats(T * B * H),
    dgates: arena.floats(T * B * 4 * H),
    dcNext: arena.floats(B * H),
    gateStrips: arena.floats(T * B * 4 * H),
    panel: arena.floats(lstmPanelFloats(T, B, In, H)),
  };
}

/** Run the layer over x (T, B, In), filling gates, c, tanhC and h. */
export function lstmForward(buf: LstmBuffers, p: LstmParams, x: Float32Array): void {
  const { T, B, In, H, gates } = buf;
  const G = 4 * H;
  // The input projection of every time step at once (one large matmul), then the bias.
  matmul(gates, x, p.wih.w, T * B, G, In, false, true, false);
  addBiasRows(gates, p.bias.w, T * B, G);
  lstmRecurrence(buf, p);
}

/**
 * A first layer's input as token ids into an embedding table: x (T, B, In) = table[ids] row by row.
 * `projected` (rows ≥ V rounded up to 4, × 4H) and `padded` (the same rows × In) are scratch.
 */
export interface LstmTokens {
  ids: Int32Array;
  table: Float32Array;
  /** Rows of the table. */
  V: number;
  projected: Float32Array;
  padded: Float32Array;
}

export function lstmTokens(arena: Arena, ids: Int32Array, table: Float32Array, V: number, In: number, H: number): LstmTokens {
  const rows = Math.ceil(V / 4) * 4;
  return { ids, table, V, projected: arena.floats(rows * 4 * H), padded: arena.floats(rows * In) };
}

/**
 * Fills x (T, B, In) with table[ids] (the embedding lookup, kept for the backward) and runs
 * lstmForward on it, with the input projection taken once per table row (V·4H·In products instead of
 * T·B·4H·In) and gathered: every gate row is the same sum of the same products as lstmForward's, so
 * the results are the same to the bit.
 */
export function lstmForwardTokens(buf: LstmBuffers, p: LstmParams, x: Float32Array, tokens: LstmTokens): void {
  const { T, B, In, H, gates } = buf;
  const { ids, table, V, projected } = tokens;
  const G = 4 * H;
  embeddingForward(x, ids, table, T * B, In, false);
  matmul(projected, table, p.wih.w, V, G, In, false, true, false);
  addBiasRows(projected, p.bias.w, V, G);
  for (let r = 0; r < T * B; r++) {
    const src = ids[r]! * G;
    for (let j = 0; j < G; j++) gates[r * G + j] = projected[src + j]!;
  }
  lstmRecurrence(buf, p);
}

/** rows (count × G) += bias (G) on every row. */
function addBiasRows(rows: Float32Array, bias: Float32Array, count: number, G: number): void {
  for (let r = 0; r < count; r++) {
    const row = r * G;
    for (let j = 0; j < G; j++) rows[row + j] = rows[row + j]! + bias[j]!;
  }
}

/** The time steps, from gates holding x_t·W_ihᵀ + b: add h_{t−1}·W_hhᵀ, apply the gates, update c and h. */
function lstmRecurrence(buf: LstmBuffers, p: LstmParams): void {
  const { T, B, H, gates, c, tanhC, h } = buf;
  const G = 4 * H;
  for (let t = 0; t < T; t++) {
    if (t > 0) matmul(gates, h, p.whh.w, B, G, H, false, true, true, t * B * G, (t - 1) * B * H);
    for (let b = 0; b < B; b++) {
      const gRow = (t * B + b) * G;
      const sRow = (t * B + b) * H;
      const prevRow = sRow - B * H;
      for (let j = 0; j < H; j++) {
        const i = sigmoid(gates[gRow + j]!);
        const f = sigmoid(gates[gRow + H + j]!);
        const g = Math.tanh(gates[gRow + 2 * H + j]!);
        const o = sigmoid(gates[gRow + 3 * H + j]!);
        gates[gRow + j] = i;
        gates[gRow + H + j] = f;
        gates[gRow + 2 * H + j] = g;
        gates[gRow + 3 * H + j] = o;
        const cPrev = t > 0 ? c[prevRow + j]! : 0;
        const ct = f * cPrev + i * g;
        const tc = Math.tanh(ct);
        c[sRow + j] = ct;
        tanhC[sRow + j] = tc;
        h[sRow + j] = o * tc;
      }
    }
  }
}

/**
 * Backpropagation through time. Reads buf.dh (∂loss/∂h from the consumer; destroyed: the recurrent
 * gradient is added into it). Adds into the parameter gradients and, unless null, into dx (T, B, In).
 */
export function lstmBackward(buf: LstmBuffers, p: LstmParams, x: Float32Array, dx: Float32Array | null): void {
  const { T, B, In, H, gates, c, tanhC, h, dh, dgates, dcNext } = buf;
  const G = 4 * H;
  dcNext.fill(0);
  for (let t = T - 1; t >= 0; t--) {
    for (let b = 0; b < B; b++) {
      const gRow = (t * B + b) * G;
      const sRow = (t * B + b) * H;
      const prevRow = sRow - B * H;
      const cRow = b * H;
      for (let j = 0; j < H; j++) {
        const i = gates[gRow + j]!;
        const f = gates[gRow + H + j]!;
        const g = gates[gRow + 2 * H + j]!;
        const o = gates[gRow + 3 * H + j]!;
        const tc = tanhC[sRow + j]!;
        const dht = dh[sRow + j]!;
        // h = o·tanh(c) ⇒ ∂c gets o·(1 − tanh²c)·∂h on top of what flows back from c_{t+1}.
        const dc = dcNext[cRow + j]! + dht * o * (1 - tc * tc);
        const cPrev = t > 0 ? c[prevRow + j]! : 0;
        dcNext[cRow + j] = dc * f;
        dgates[gRow + j] = dc * g * i * (1 - i);
        dgates[gRow + H + j] = dc * cPrev * f * (1 - f);
        dgates[gRow + 2 * H + j] = dc * i * (1 - g * g);
        dgates[gRow + 3 * H + j] = dht * tc * o * (1 - o);
      }
    }
    // ∂h_{t−1} += ∂gates_t · W_hh  (B×4H · 4H×H), completing dh for step t−1 before we reach it.
    if (t > 0) matmul(dh, dgates, p.whh.w, B, H, G, false, false, true, (t - 1) * B * H, t * B * G);
  }
  // Parameter gradients over all steps at once: dW_hh += Σ_t ∂gates_tᵀ·h_{t−1}, dW_ih += ∂gatesᵀ·x.
  if (T > 1) matmul(p.whh.g, dgates, h, G, H, (T - 1) * B, true, false, true, 0, B * G, 0);
  matmul(p.wih.g, dgates, x, G, In, T * B, true, false, true);
  const dbias = p.bias.g;
  for (let r = 0; r < T * B; r++) {
    const row = r * G;
    for (let j = 0; j < G; j++) dbias[j] = dbias[j]! + dgates[row + j]!;
  }
  if (dx !== null) matmul(dx, dgates, p.wih.w, T * B, In, G, false, false, true);
}

function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}
