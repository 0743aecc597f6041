// Causal multi-head self-attention (Vaswani et al. 2017), the part between the qkv projection and the
// output projection (both are `linear` layers owned by the model), as llm.c's attention_forward:
//   per head: A = softmax(mask(Q·Kᵀ/√hs)),  Y = A·V;  position t attends to positions s ≤ t only.
// B = batch, T = seq_len, C = channels, NH = heads, hs = C/NH. qkv rows are [q | k | v] (3C wide),
// each split into NH heads of hs; head h of row (b, t) is read where it lies (no permuted copies).
// Masked scores are never computed: their probabilities are exactly 0, so every product below runs
// over s ≤ t only. Each score and each output element is a float64 sum in order, rounded once: the
// result of multiplying the whole matrices with src/nn/matmul.ts, whose extra terms (0·x) add
// nothing to a sum of finite values. These loops are the JS kernels' (src/nn/kernels.ts) and the
// reference of the wasm ones (src/wasm/assembly/attention.ts).
import type { Arena } from './arena.js';

export interface AttentionBuffers {
  B: number;
  T: number;
  C: number;
  NH: number;
  /** (B, NH, T, T) attention weights A, row t over s ≤ t (entries above the diagonal are never written: 0). */
  att: Float32Array;
  /** (B, NH, T, T) backward scratch: dA, then the scores' gradient dS (same triangle). */
  datt: Float32Array;
  /** hs·T floats: one head's Kᵀ or Vᵀ, for the wasm kernels (src/wasm/assembly/attention.ts). */
  scratch: Float32Array;
}

export function attentionBuffers(arena: Arena, B: number, T: number, C: number, NH: number): AttentionBuffers {
  if (C % NH !== 0) throw new Error(`attention: channels ${C} not divisible by heads ${NH}`);
  const nAtt = B * NH * T * T;
  return { B, T, C, NH, att: arena.floats(nAtt), datt: arena.floats(nAtt), scratch: arena.floats((C / NH) * T) };
}

/** out (B, T, C) = causal attention of qkv (B, T, 3C); keeps A in buf.att. */
export function attentionForward(buf: AttentionBuffers, out: Float32Array, qkv: Float32Array): void {
  const { B, T, C, NH, att } = buf;
  const hs = C / NH;
  const scale = 1 / Math.sqrt(hs);
  for (let b = 0; b < B; b++) {
    for (let hd = 0; hd < NH; hd++) {
      // Row r's q, k and v of this head start at head + r·3C, head + C + r·3C, head + 2C + r·3C.
      const head = b * T * 3 * C + hd * hs;
      const attOff = (b * NH + hd) * T * T;
      for (let t = 0; t < T; t++) {
        const row = attOff + t * T;
        const q = head + t * 3 * C;
        for (let s = 0; s <= t; s++) {
          const k = head + C + s * 3 * C;
          let dot = 0;
          for (let e = 0; e < hs; e++) dot += qkv[q + e]! * qkv[k + e]!;
          att[row + s] = dot;
        }
        causalSoftmaxRow(att, row, t, scale);
        const o = (b * T + t) * C + hd * hs;
        for (let e = 0; e < hs; e++) {
          let y = 0;
          for (let s = 0; s <= t; s++) y += att[row + s]! * qkv[head + 2 * C + s * 3 * C + e]!;
          out[o + e] = y;
        }
      }
    }
  }
}

/** att[row + s] ← softmax_s(att[row + s]·scale) over s ≤ t, the max subtracted first. */
function causalSoftmaxRow(att: Float32Array, row: number, t: number, scale: number): void {
  let max = -Infinity;
  for (let s = 0; s <= t; s++) if (att[row + s]! > max) max = att[row + s]!;
  let sum = 0;
  for (let s = 0; s <= t; s++) {
    const e = Math.exp((att[row + s]! - max) * scale);
    att[row + s] = e;
    sum += e;
  }
  const inv = 1 / sum;
  for (let s = 0; s <= t; s++) att[row + s] = att[row + s]! * inv;
}

/** dqkv (B, T, 3C) += the gradient through attention of dout (B, T, C), from the A of the last forward. */
export function attentionBackward(buf: AttentionBuffers, dqkv: Float32Array, dout: Float32Array, qkv: Float32Array): void {
  const { B, T, C, NH, att, datt } = buf;
  const hs = C / NH;
  const scale = 1 / Math.sqrt(hs);
  for (let b = 0; b < B; b++) {
    for (let hd = 0; hd < NH; hd++) {
      const head = b * T * 3 * C + hd * hs;
      const dy = b * T * C + hd * hs; // dY row r at dy + r·C
      const attOff = (b * NH + hd) * T * T;
      // Y = A·V: dA[t, s] = dY_t·V_s. Softmax backward folded with the 1/√hs scale:
      // dS[t, s] = scale·A[t, s]·(dA[t, s] − Σ_s' A[t, s']·dA[t, s']).
      for (let t = 0; t < T; t++) {
        const row = attOff + t * T;
        for (let s = 0; s <= t; s++) {
          const v = head + 2 * C + s * 3 * C;
          let dot = 0;
          for (let e = 0; e < hs; e++) dot += dout[dy + t * C + e]! * qkv[v + e]!;
          datt[row + s] = dot;
        }
        let dot = 0;
        for (let s = 0; s <= t; s++) dot += att[row + s]! * datt[row + s]!;
        for (let s = 0; s <= t; s++) datt[row + s] = scale * att[row + s]! * (datt[row + s]! - dot);
      }
      headInputGrads(buf, dqkv, dout, qkv, head, dy, attOff, hs);
    }
  }
}

/**
 * One head's dQ_t = Σ_{s≤t} dS[t, s]·K_s, dK_s = Σ_{t≥s} dS[t, s]·Q_t and dV_s = Σ_{t≥s} A[t, s]·dY_t,
 * each a float64 sum in order rounded once, then added into dqkv.
 */
function headInputGrads(
  buf: AttentionBuffers, dqkv: Float32Array, dout: Float32Array, qkv: Float32Array,
  head: number, dy: number, attOff: number, hs: number,
): void {
  const { T, C, att, datt } = buf;
  for (let r = 0; r < T; r++) {
    const at = head + r * 3 * C;
    for (let e = 0; e < hs; e++) {
      let dq = 0;
      for (let s = 0; s <= r; s++) dq += datt[attOff + r * T + s]! * qkv[head + C + s * 3 * C + e]!;
      let dk = 0;
      let dv = 0;
      for (let t = r; t < T; t++) {
        dk += datt[attOff + t * T + r]! * qkv[head + t * 3 * C + e]!;
        dv += att[attOff + t * T + r]! * dout[dy + t * C + e]!;
      }
      dqkv[at + e] = dqkv[at + e]! + Math.fround(dq);
      dqkv[at + C + e] = dqkv[at + C + e]! + Math.fround(dk);
      dqkv[at + 2 * C + e] = dqkv[at + 2 * C + e]! + Math.fround(dv);
    }
  }
}
