// Causal multi-head self-attention (Vaswani et al. 2017), the part between the qkv projection and the
// output projection (both are `linear` layers owned by the model), as llm.c's attention_forward:
//   per head: A = softmax(mask(Q·Kᵀ/√hs)),  Y = A·V;  position t attends to positions s ≤ t only.
// B = batch, T = seq_len, C = channels, NH = heads, hs = C/NH. qkv rows are [q | k | v] (3C wide),
// each split into NH heads of hs. Internally Q, K, V and Y are permuted to (B, NH, T, hs) so every
// head is a contiguous T×hs block and the products are plain `matmul` calls of the run's kernels.
import type { Arena } from './arena.js';
import type { Kernels } from './kernels.js';

export interface AttentionBuffers {
  B: number;
  T: number;
  C: number;
  NH: number;
  /** (B, NH, T, hs) each. */
  q: Float32Array;
  k: Float32Array;
  v: Float32Array;
  /** (B, NH, T, T) attention weights (zero above the diagonal). */
  att: Float32Array;
  /** (B, NH, T, hs) per-head outputs. */
  y: Float32Array;
  // Backward scratch, same shapes as above.
  dq: Float32Array;
  dk: Float32Array;
  dv: Float32Array;
  datt: Float32Array;
  dy: Float32Array;
}

export function attentionBuffers(arena: Arena, B: number, T: number, C: number, NH: number): AttentionBuffers {
  if (C % NH !== 0) throw new Error(`attention: channels ${C} not divisible by heads ${NH}`);
  const n = B * T * C;
  const nAtt = B * NH * T * T;
  return {
    B,
    T,
    C,
    NH,
    q: arena.floats(n),
    k: arena.floats(n),
    v: arena.floats(n),
    att: arena.floats(nAtt),
    y: arena.floats(n),
    dq: arena.floats(n),
    dk: arena.floats(n),
    dv: arena.floats(n),
    datt: arena.floats(nAtt),
    dy: arena.floats(n),
  };
}

/** out (B, T, C) = causal attention of qkv (B, T, 3C). */
export function attentionForward(kernels: Kernels, buf: AttentionBuffers, out: Float32Array, qkv: Float32Array): void {
  const { B, T, C, NH, q, k, v, att, y } = buf;
  const hs = C / NH;
  const scale = 1 / Math.sqrt(hs);
  // (B, T, 3, NH, hs) → three (B, NH, T, hs)
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      const src = (b * T + t) * 3 * C;
      for (let hd = 0; hd < NH; hd++) {
        const dst = ((b * NH + hd) * T + t) * hs;
        const s = src + hd * hs;
        for (let e = 0; e < hs; e++) {
          q[dst + e] = qkv[s + e]!;
          k[dst + e] = qkv[s + C + e]!;
          v[dst + e] = qkv[s + 2 * C + e]!;
        }
      }
    }
  }
  for (let bh = 0; bh < B * NH; bh++) {
    const headOff = bh * T * hs;
    const attOff = bh * T * T;
    kernels.matmul(att, q, k, T, T, hs, false, true, false, attOff, headOff, headOff);
    // Row-wise causal softmax of the scaled scores; masked entries are exactly 0.
    for (let t = 0; t < T; t++) {
      const row = attOff + t * T;
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
      for (let s = t + 1; s < T; s++) att[row + s] = 0;
    }
    kernels.matmul(y, att, v, T, hs, T, false, false, false, headOff, attOff, headOff);
  }
  // (B, NH, T, hs) → (B, T, C)
  for (let b = 0; b < B; b++) {
    for (let hd = 0; hd < NH; hd++) {
      for (let t = 0; t < T; t++) {
        const src = ((b * NH + hd) * T + t) * hs;
        const dst = (b * T + t) * C + hd * hs;
        for (let e = 0; e < hs; e++) out[dst + e] = y[src + e]!;
      }
    }
  }
}

/** dqkv (B, T, 3C) += the gradient through attention of dout (B, T, C). */
export function attentionBackward(kernels: Kernels, buf: AttentionBuffers, dqkv: Float32Array, dout: Float32Array): void {
  const { B, T, C, NH, q, k, v, att, dq, dk, dv, datt, dy } = buf;
  const hs = C / NH;
  const scale = 1 / Math.sqrt(hs);
  for (let b = 0; b < B; b++) {
    for (let hd = 0; hd < NH; hd++) {
      for (let t = 0; t < T; t++) {
        const dst = ((b * NH + hd) * T + t) * hs;
        const src = (b * T + t) * C + hd * hs;
        for (let e = 0; e < hs; e++) dy[dst + e] = dout[src + e]!;
      }
    }
  }
  for (let bh = 0; bh < B * NH; bh++) {
    const headOff = bh * T * hs;
    const attOff = bh * T * T;
    // Y = A·V:  dA = dY·Vᵀ,  dV = Aᵀ·dY
    kernels.matmul(datt, dy, v, T, T, hs, false, true, false, attOff, headOff, headOff);
    kernels.matmul(dv, att, dy, T, hs, T, true, false, false, headOff, attOff, headOff);
    // Softmax backward per row, folded with the 1/√hs scale: dS[t,s] = scale·A[t,s]·(dA[t,s] − Σ_s' A[t,s']dA[t,s']).
    // Masked entries have A = 0, so their gradient is 0 too.
    for (let t = 0; t < T; t++) {
      const row = attOff + t * T;
      let dot = 0;
      for (let s = 0; s <= t; s++) dot += att[row + s]! * datt[row + s]!;
      for (let s = 0; s <= t; s++) datt[row + s] = scale * att[row + s]! * (datt[row + s]! - dot);
      for (let s = t + 1; s < T; s++) datt[row + s] = 0;
    }
    // S = Q·Kᵀ:  dQ = dS·K,  dK = dSᵀ·Q
    kernels.matmul(dq, datt, k, T, hs, T, false, false, false, headOff, attOff, headOff);
    kernels.matmul(dk, datt, q, T, hs, T, true, false, false, headOff, attOff, headOff);
  }
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      const dst = (b * T + t) * 3 * C;
      for (let hd = 0; hd < NH; hd++) {
        const src = ((b * NH + hd) * T + t) * hs;
        const d = dst + hd * hs;
        for (let e = 0; e < hs; e++) {
          dqkv[d + e] = dqkv[d + e]! + dq[src + e]!;
          dqkv[d + C + e] = dqkv[d + C + e]! + dk[src + e]!;
          dqkv[d + 2 * C + e] = dqkv[d + 2 * C + e]! + dv[src + e]!;
        }
      }
    }
  }
}
