// Causal multi-head self-attention forward and backward: src/nn/attention.ts's loops (same buffers,
// same triangle: masked scores are never computed), with the products in float32 (f32x4 lanes along
// a head's hs features) and the softmax's exponentials by ./math's exp4, where the TS loops sum in
// float64 and call Math.exp: they agree to float32 roundings (bound derived in
// test/wasm-layers.test.ts). Pointers are byte offsets. B = batch, T = seq_len, C = channels,
// NH = heads, hs = C/NH; qkv rows are [q | k | v] (3C wide); att and datt are (B, NH, T, T).
import { exp4 } from './math';

/** Σ_e a[e]·b[e] over hs floats. */
@inline
function dot(a: usize, b: usize, hs: i32): f32 {
  let acc = f32x4.splat(0);
  let e = 0;
  for (; e + 4 <= hs; e += 4) {
    const at = <usize>e << 2;
    acc = f32x4.add(acc, f32x4.mul(v128.load(a + at), v128.load(b + at)));
  }
  let sum = f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1) + f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3);
  for (; e < hs; e++) sum += load<f32>(a + (<usize>e << 2)) * load<f32>(b + (<usize>e << 2));
  return sum;
}

/** dst[e] += alpha·src[e] over hs floats. */
@inline
function axpy(dst: usize, alpha: f32, src: usize, hs: i32): void {
  const av = f32x4.splat(alpha);
  let e = 0;
  for (; e + 4 <= hs; e += 4) {
    const at = <usize>e << 2;
    v128.store(dst + at, f32x4.add(v128.load(dst + at), f32x4.mul(av, v128.load(src + at))));
  }
  for (; e < hs; e++) {
    const at = <usize>e << 2;
    store<f32>(dst + at, load<f32>(dst + at) + alpha * load<f32>(src + at));
  }
}

/** row[s] ← softmax_s(row[s]·scale) over s ≤ t, the max subtracted first. */
function causalSoftmaxRow(row: usize, t: i32, scale: f32): void {
  const L = t + 1;
  let top = load<f32>(row);
  for (let s = 1; s < L; s++) top = max(top, load<f32>(row + (<usize>s << 2)));
  const maxV = f32x4.splat(top), scaleV = f32x4.splat(scale);
  let sumV = f32x4.splat(0);
  let s = 0;
  for (; s + 4 <= L; s += 4) {
    const at = row + (<usize>s << 2);
    const e = exp4(f32x4.mul(f32x4.sub(v128.load(at), maxV), scaleV));
    v128.store(at, e);
    sumV = f32x4.add(sumV, e);
  }
  let sum = f32x4.extract_lane(sumV, 0) + f32x4.extract_lane(sumV, 1) + f32x4.extract_lane(sumV, 2) + f32x4.extract_lane(sumV, 3);
  for (; s < L; s++) {
    const at = row + (<usize>s << 2);
    const e = f32x4.extract_lane(exp4(f32x4.splat((load<f32>(at) - top) * scale)), 0);
    store<f32>(at, e);
    sum += e;
  }
  const inv = f32x4.splat(<f32>1 / sum);
  s = 0;
  for (; s + 4 <= L; s += 4) {
    const at = row + (<usize>s << 2);
    v128.store(at, f32x4.mul(v128.load(at), inv));
  }
  for (; s < L; s++) {
    const at = row + (<usize>s << 2);
    store<f32>(at, load<f32>(at) * f32x4.extract_lane(inv, 0));
  }
}

/** out (B, T, C) = causal attention of qkv (B, T, 3C); A kept in att. */
export function attentionForward(out: usize, att: usize, qkv: usize, B: i32, T: i32, C: i32, NH: i32): void {
  const hs = C / NH;
  const scale = <f32>(1 / Math.sqrt(<f64>hs));
  const rowBytes = <usize>(3 * C) << 2; // one qkv row
  const cBytes = <usize>C << 2;
  for (let b = 0; b < B; b++) {
    for (let hd = 0; hd < NH; hd++) {
      const head = qkv + <usize>(b * T) * rowBytes + (<usize>(hd * hs) << 2);
      const attHead = att + (<usize>((b * NH + hd) * T * T) << 2);
      for (let t = 0; t < T; t++) {
        const row = attHead + (<usize>(t * T) << 2);
        const q = head + <usize>t * rowBytes;
        for (let s = 0; s <= t; s++) store<f32>(row + (<usize>s << 2), dot(q, head + cBytes + <usize>s * rowBytes, hs));
        causalSoftmaxRow(row, t, scale);
        const y = out + (<usize>((b * T + t) * C + hd * hs) << 2);
        memory.fill(y, 0, <usize>hs << 2);
        for (let s = 0; s <= t; s++) axpy(y, load<f32>(row + (<usize>s << 2)), head + 2 * cBytes + <usize>s * rowBytes, hs);
      }
    }
  }
}

/** dqkv (B, T, 3C) += the gradient through attention of dout (B, T, C); datt is scratch. */
export function attentionBackward(dqkv: usize, att: usize, datt: usize, dout: usize, qkv: usize, B: i32, T: i32, C: i32, NH: i32): void {
  const hs = C / NH;
  const scale = <f32>(1 / Math.sqrt(<f64>hs));
  const rowBytes = <usize>(3 * C) << 2;
  const cBytes = <usize>C << 2;
  for (let b = 0; b < B; b++) {
    for (let hd = 0; hd < NH; hd++) {
      const offset = <usize>(b * T) * rowBytes + (<usize>(hd * hs) << 2);
      const head = qkv + offset;
      const dhead = dqkv + offset;
      const attHead = att + (<usize>((b * NH + hd) * T * T) << 2);
      const dattHead = datt + (<usize>((b * NH + hd) * T * T) << 2);
      for (let t = 0; t < T; t++) {
        const a = attHead + (<usize>(t * T) << 2);
        const da = dattHead + (<usize>(t * T) << 2);
        const dy = dout + (<usize>((b * T + t) * C + hd * hs) << 2);
        // dA[t, s] = dY_t·V_s, then dS = scale·A·(dA − Σ A·dA)
        let rowDot: f32 = 0;
        for (let s = 0; s <= t; s++) {
          const g = dot(dy, head + 2 * cBytes + <usize>s * rowBytes, hs);
          store<f32>(da + (<usize>s << 2), g);
          rowDot += load<f32>(a + (<usize>s << 2)) * g;
        }
        const qt = head + <usize>t * rowBytes;
        const dqt = dhead + <usize>t * rowBytes;
        for (let s = 0; s <= t; s++) {
          const as = load<f32>(a + (<usize>s << 2));
          const ds = scale * as * (load<f32>(da + (<usize>s << 2)) - rowDot);
          const ks = head + cBytes + <usize>s * rowBytes;
          const dks = dhead + cBytes + <usize>s * rowBytes;
          axpy(dqt, ds, ks, hs); // dQ_t += dS[t, s]·K_s
          axpy(dks, ds, qt, hs); // dK_s += dS[t, s]·Q_t
          axpy(dks + cBytes, as, dy, hs); // dV_s += A[t, s]·dY_t
        }
      }
    }
  }
}
