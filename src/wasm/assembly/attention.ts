// Causal multi-head self-attention forward and backward: src/nn/attention.ts's computation (same
// buffers; masked scores are not computed, beyond the few inside the 4×4 blocks that straddle the
// diagonal, which are overwritten with the exact 0 of a masked weight), with the products in float32
// f32x4 lanes and the softmax's exponentials by ./math's exp4 (weights below e^{−64} made 0), where
// the TS loops sum in float64 and call Math.exp: they agree to float32 roundings (bound derived in
// test/wasm-layers.test.ts).
// A head's products are small (T×T×hs with hs = 8 in the shipped config), so they are register-blocked
// here, four rows at a time, over the lower triangle only, rather than calls of the general matmul:
//   lowerScores  S[t, s]  = Σ_e X[t, e]·Yᵀ[e, s]      for s ≤ t   (S = Q·Kᵀ, dA = dY·Vᵀ)
//   lowerTimes   Y[t, :] (+)= Σ_{s≤t} P[t, s]·V[s, :]             (Y = A·V, dQ += dS·K)
//   upperTimes   Z[s, :] += Σ_{t≥s} P[t, s]·X[t, :]               (dV += Aᵀ·dY, dK += dSᵀ·Q)
// Yᵀ (one head's Kᵀ or Vᵀ, hs × T) is copied into `scratch`; every other operand is read where it lies,
// rows a stride apart. Pointers are byte offsets. B = batch, T = seq_len, C = channels, NH = heads,
// hs = C/NH; qkv rows are [q | k | v] (3C wide); att and datt are (B, NH, T, T) with row stride T.
import { exp4 } from './math';

@inline
function madd(acc: v128, x: v128, y: v128): v128 {
  return f32x4.add(acc, f32x4.mul(x, y));
}

@inline
function sum4(v: v128): f32 {
  return f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3);
}

/** dst (hs × T) = the hs × T transpose of the T rows of hs floats at src, rows srcStride bytes apart. */
function transposeHead(dst: usize, src: usize, srcStride: usize, T: i32, hs: i32): void {
  for (let t = 0; t < T; t++) {
    const row = src + <usize>t * srcStride;
    for (let e = 0; e < hs; e++) store<f32>(dst + (<usize>(e * T + t) << 2), load<f32>(row + (<usize>e << 2)));
  }
}

/**
 * S[t, s] = Σ_e X[t, e]·Yᵀ[e, s] for s ≤ t. Full 4×4 blocks on and below the diagonal (the diagonal
 * blocks also write s > t); rows past the last full block one at a time, s ≤ t exactly.
 */
function lowerScores(S: usize, X: usize, xStride: usize, YT: usize, T: i32, hs: i32): void {
  const tBytes = <usize>T << 2;
  let t0 = 0;
  for (; t0 + 4 <= T; t0 += 4) {
    const x0 = X + <usize>t0 * xStride;
    const x1 = x0 + xStride, x2 = x1 + xStride, x3 = x2 + xStride;
    const s0Row = S + <usize>t0 * tBytes;
    for (let s0 = 0; s0 <= t0; s0 += 4) {
      let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0;
      let y = YT + (<usize>s0 << 2);
      for (let e: usize = 0; e < <usize>hs << 2; e += 4, y += tBytes) {
        const yv = v128.load(y);
        a0 = madd(a0, v128.load32_splat(x0 + e), yv);
        a1 = madd(a1, v128.load32_splat(x1 + e), yv);
        a2 = madd(a2, v128.load32_splat(x2 + e), yv);
        a3 = madd(a3, v128.load32_splat(x3 + e), yv);
      }
      const at = s0Row + (<usize>s0 << 2);
      v128.store(at, a0);
      v128.store(at + tBytes, a1);
      v128.store(at + 2 * tBytes, a2);
      v128.store(at + 3 * tBytes, a3);
    }
  }
  for (; t0 < T; t0++) {
    const x = X + <usize>t0 * xStride;
    for (let s = 0; s <= t0; s++) {
      let acc: f32 = 0;
      for (let e = 0; e < hs; e++) acc += load<f32>(x + (<usize>e << 2)) * load<f32>(YT + (<usize>(e * T + s) << 2));
      store<f32>(S + <usize>t0 * tBytes + (<usize>s << 2), acc);
    }
  }
}

/**
 * Y[t, :] (+)= Σ_{s≤t} P[t, s]·V[s, :] (P rows T floats; Y and V rows yStride / vStride bytes apart).
 * Four rows at a time over s < t0 + 4: P must be 0 above the diagonal inside each diagonal block.
 */
function lowerTimes(Y: usize, yStride: usize, P: usize, V: usize, vStride: usize, T: i32, hs: i32, accumulate: bool): void {
  const tBytes = <usize>T << 2;
  let t0 = 0;
  for (; t0 + 4 <= T; t0 += 4) {
    const p0 = P + <usize>t0 * tBytes;
    const y0 = Y + <usize>t0 * yStride;
    let e = 0;
    for (; e + 4 <= hs; e += 4) {
      let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0;
      let v = V + (<usize>e << 2);
      for (let s: usize = 0; s < <usize>(t0 + 4) << 2; s += 4, v += vStride) {
        const vv = v128.load(v);
        a0 = madd(a0, v128.load32_splat(p0 + s), vv);
        a1 = madd(a1, v128.load32_splat(p0 + tBytes + s), vv);
        a2 = madd(a2, v128.load32_splat(p0 + 2 * tBytes + s), vv);
        a3 = madd(a3, v128.load32_splat(p0 + 3 * tBytes + s), vv);
      }
      const at = y0 + (<usize>e << 2);
      storeRow(at, a0, accumulate);
      storeRow(at + yStride, a1, accumulate);
      storeRow(at + 2 * yStride, a2, accumulate);
      storeRow(at + 3 * yStride, a3, accumulate);
    }
    for (let i = 0; i < 4; i++) lowerTimesScalar(Y, yStride, P, V, vStride, T, t0 + i, e, hs, accumulate);
  }
  for (; t0 < T; t0++) lowerTimesScalar(Y, yStride, P, V, vStride, T, t0, 0, hs, accumulate);
}

@inline
function storeRow(at: usize, v: v128, accumulate: bool): void {
  v128.store(at, accumulate ? f32x4.add(v128.load(at), v) : v);
}

/** Row t of lowerTimes, features [e0, hs), one at a time. */
function lowerTimesScalar(Y: usize, yStride: usize, P: usize, V: usize, vStride: usize, T: i32, t: i32, e0: i32, hs: i32, accumulate: bool): void {
  const p = P + (<usize>(t * T) << 2);
  for (let e = e0; e < hs; e++) {
    let acc: f32 = 0;
    for (let s = 0; s <= t; s++) acc += load<f32>(p + (<usize>s << 2)) * load<f32>(V + <usize>s * vStride + (<usize>e << 2));
    const at = Y + <usize>t * yStride + (<usize>e << 2);
    store<f32>(at, accumulate ? load<f32>(at) + acc : acc);
  }
}

/**
 * Z[s, :] += Σ_{t≥s} P[t, s]·X[t, :] (P rows T floats; Z and X rows zStride / xStride bytes apart).
 * Four s at a time from t = s0: P must be 0 above the diagonal inside each diagonal block.
 */
function upperTimes(Z: usize, zStride: usize, P: usize, X: usize, xStride: usize, T: i32, hs: i32): void {
  const tBytes = <usize>T << 2;
  let s0 = 0;
  for (; s0 + 4 <= T; s0 += 4) {
    const z0 = Z + <usize>s0 * zStride;
    let e = 0;
    for (; e + 4 <= hs; e += 4) {
      let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0;
      let x = X + <usize>s0 * xStride + (<usize>e << 2);
      let p = P + <usize>s0 * tBytes + (<usize>s0 << 2);
      for (let t = s0; t < T; t++, x += xStride, p += tBytes) {
        const xv = v128.load(x);
        const pv = v128.load(p); // P[t, s0 .. s0 + 3]
        a0 = madd(a0, v128.shuffle<f32>(pv, pv, 0, 0, 0, 0), xv);
        a1 = madd(a1, v128.shuffle<f32>(pv, pv, 1, 1, 1, 1), xv);
        a2 = madd(a2, v128.shuffle<f32>(pv, pv, 2, 2, 2, 2), xv);
        a3 = madd(a3, v128.shuffle<f32>(pv, pv, 3, 3, 3, 3), xv);
      }
      const at = z0 + (<usize>e << 2);
      storeRow(at, a0, true);
      storeRow(at + zStride, a1, true);
      storeRow(at + 2 * zStride, a2, true);
      storeRow(at + 3 * zStride, a3, true);
    }
    for (let i = 0; i < 4; i++) upperTimesScalar(Z, zStride, P, X, xStride, T, s0 + i, e, hs);
  }
  for (; s0 < T; s0++) upperTimesScalar(Z, zStride, P, X, xStride, T, s0, 0, hs);
}

/** Row s of upperTimes, features [e0, hs), one at a time. */
function upperTimesScalar(Z: usize, zStride: usize, P: usize, X: usize, xStride: usize, T: i32, s: i32, e0: i32, hs: i32): void {
  for (let e = e0; e < hs; e++) {
    let acc: f32 = 0;
    for (let t = s; t < T; t++) acc += load<f32>(P + (<usize>(t * T + s) << 2)) * load<f32>(X + <usize>t * xStride + (<usize>e << 2));
    const at = Z + <usize>s * zStride + (<usize>e << 2);
    store<f32>(at, load<f32>(at) + acc);
  }
}

// A row t inside a full diagonal 4×4 block has floats up to its block's end E = (t & ~3) + 4: its
// softmax runs over whole vectors to E, the lanes after t masked (to −∞ for the max, to 0 for the
// weights, which also overwrites the masked scores the block wrote). Rows past the last full block
// (when 4 ∤ T) have no such slack and run lane by lane.

// Weights below e^{−64} (relative to the row's largest, which is 1 before normalising) are made exactly
// 0: one that small only ever feeds float32 products that underflow into subnormals, which the CPU
// computes ~100× slower (a trained head has many such weights), and it changes the weighted sums by
// less than 1.7e-28 of a value each, far below their rounding (the bound in test/wasm-layers.test.ts).
const FLUSH_BELOW: f32 = -64;

/** e^z by exp4, 0 where z < FLUSH_BELOW. */
@inline
function weight4(z: v128): v128 {
  return v128.andnot(exp4(z), f32x4.lt(z, f32x4.splat(FLUSH_BELOW)));
}

/** Lanes j of the vector at s0 with s0 + j ≤ t. */
@inline
function lanesUpTo(s0: i32, t: i32): v128 {
  return i32x4.le_s(i32x4.add(i32x4.splat(s0), i32x4(0, 1, 2, 3)), i32x4.splat(t));
}

/** row[s] ← softmax_s(row[s]·scale) over s ≤ t, the max subtracted first; 0 after t to the block's end. */
function causalSoftmaxRow(row: usize, t: i32, T: i32, scale: f32): void {
  const E = (t & ~3) + 4;
  if (E > T) return causalSoftmaxRowScalar(row, t, scale);
  const last = row + (<usize>(E - 4) << 2);
  const valid = lanesUpTo(E - 4, t);
  // pmax: a NaN score drops out of the max, as in the TS loop's `>`, and reaches the sum through its exp
  let maxV = v128.bitselect(v128.load(last), f32x4.splat(-Infinity), valid);
  for (let p = row; p < last; p += 16) maxV = f32x4.pmax(maxV, v128.load(p));
  maxV = f32x4.pmax(maxV, v128.shuffle<f32>(maxV, maxV, 2, 3, 0, 1));
  const topV = f32x4.pmax(maxV, v128.shuffle<f32>(maxV, maxV, 1, 0, 3, 2)), scaleV = f32x4.splat(scale);
  let sumV = f32x4.splat(0);
  for (let p = row; p <= last; p += 16) {
    let e = weight4(f32x4.mul(f32x4.sub(v128.load(p), topV), scaleV));
    if (p == last) e = v128.and(e, valid);
    v128.store(p, e);
    sumV = f32x4.add(sumV, e);
  }
  const inv = f32x4.splat(<f32>1 / sum4(sumV));
  for (let p = row; p <= last; p += 16) v128.store(p, f32x4.mul(v128.load(p), inv));
}

/** The row's maximum as a splat: pmax across the lanes of m, in causalSoftmaxRow's order. */
@inline
function splatMax(m: v128): v128 {
  m = f32x4.pmax(m, v128.shuffle<f32>(m, m, 2, 3, 0, 1));
  return f32x4.pmax(m, v128.shuffle<f32>(m, m, 1, 0, 3, 2));
}

/** e^{(x − top)·scale} (0 where flushed), 0 in the lanes after t when p is the block's last vector. */
@inline
function rowWeights(p: usize, last: usize, top: v128, scale: v128, valid: v128): v128 {
  const e = weight4(f32x4.mul(f32x4.sub(v128.load(p), top), scale));
  return p == last ? v128.and(e, valid) : e;
}

/**
 * Rows t0 … t0 + 3 of a full diagonal block (4 | t0, t0 + 4 ≤ T), each exactly as causalSoftmaxRow
 * computes it (same operations in the same order), four rows interleaved: a row is one long chain
 * (max, then exponentials, then their sum and its reciprocal), and four chains keep the core busy.
 */
function causalSoftmaxBlock(row: usize, t0: i32, T: i32, scale: f32): void {
  const tBytes = <usize>T << 2;
  const r1 = row + tBytes, r2 = r1 + tBytes, r3 = r2 + tBytes;
  const lastOff = <usize>t0 << 2; // the block's last vector, E − 4 = t0
  const v0 = lanesUpTo(t0, t0), v1 = lanesUpTo(t0, t0 + 1), v2 = lanesUpTo(t0, t0 + 2), v3 = lanesUpTo(t0, t0 + 3);
  const minusInf = f32x4.splat(-Infinity);
  let m0 = v128.bitselect(v128.load(row + lastOff), minusInf, v0), m1 = v128.bitselect(v128.load(r1 + lastOff), minusInf, v1);
  let m2 = v128.bitselect(v128.load(r2 + lastOff), minusInf, v2), m3 = v128.bitselect(v128.load(r3 + lastOff), minusInf, v3);
  for (let p: usize = 0; p < lastOff; p += 16) {
    m0 = f32x4.pmax(m0, v128.load(row + p));
    m1 = f32x4.pmax(m1, v128.load(r1 + p));
    m2 = f32x4.pmax(m2, v128.load(r2 + p));
    m3 = f32x4.pmax(m3, v128.load(r3 + p));
  }
  const top0 = splatMax(m0), top1 = splatMax(m1), top2 = splatMax(m2), top3 = splatMax(m3), scaleV = f32x4.splat(scale);
  let s0 = f32x4.splat(0), s1 = s0, s2 = s0, s3 = s0;
  for (let p: usize = 0; p <= lastOff; p += 16) {
    const e0 = rowWeights(row + p, row + lastOff, top0, scaleV, v0), e1 = rowWeights(r1 + p, r1 + lastOff, top1, scaleV, v1);
    const e2 = rowWeights(r2 + p, r2 + lastOff, top2, scaleV, v2), e3 = rowWeights(r3 + p, r3 + lastOff, top3, scaleV, v3);
    v128.store(row + p, e0);
    v128.store(r1 + p, e1);
    v128.store(r2 + p, e2);
    v128.store(r3 + p, e3);
    s0 = f32x4.add(s0, e0);
    s1 = f32x4.add(s1, e1);
    s2 = f32x4.add(s2, e2);
    s3 = f32x4.add(s3, e3);
  }
  const i0 = f32x4.splat(<f32>1 / sum4(s0)), i1 = f32x4.splat(<f32>1 / sum4(s1));
  const i2 = f32x4.splat(<f32>1 / sum4(s2)), i3 = f32x4.splat(<f32>1 / sum4(s3));
  for (let p: usize = 0; p <= lastOff; p += 16) {
    v128.store(row + p, f32x4.mul(v128.load(row + p), i0));
    v128.store(r1 + p, f32x4.mul(v128.load(r1 + p), i1));
    v128.store(r2 + p, f32x4.mul(v128.load(r2 + p), i2));
    v128.store(r3 + p, f32x4.mul(v128.load(r3 + p), i3));
  }
}

function causalSoftmaxRowScalar(row: usize, t: i32, scale: f32): void {
  let top = load<f32>(row);
  for (let s = 1; s <= t; s++) top = max(top, load<f32>(row + (<usize>s << 2)));
  let sum: f32 = 0;
  for (let s = 0; s <= t; s++) {
    const at = row + (<usize>s << 2);
    const e = f32x4.extract_lane(weight4(f32x4.splat((load<f32>(at) - top) * scale)), 0);
    store<f32>(at, e);
    sum += e;
  }
  const inv = <f32>1 / sum;
  for (let s = 0; s <= t; s++) store<f32>(row + (<usize>s << 2), load<f32>(row + (<usize>s << 2)) * inv);
}

/** out (B, T, C) = causal attention of qkv (B, T, 3C); A kept in att; scratch holds hs·T floats. */
export function attentionForward(out: usize, att: usize, scratch: usize, qkv: usize, B: i32, T: i32, C: i32, NH: i32): void {
  const hs = C / NH;
  const scale = <f32>(1 / Math.sqrt(<f64>hs));
  const rowBytes = <usize>(3 * C) << 2; // one qkv row
  const cBytes = <usize>C << 2;
  for (let b = 0; b < B; b++) {
    for (let hd = 0; hd < NH; hd++) {
      const head = qkv + <usize>(b * T) * rowBytes + (<usize>(hd * hs) << 2);
      const attHead = att + (<usize>((b * NH + hd) * T * T) << 2);
      transposeHead(scratch, head + cBytes, rowBytes, T, hs); // Kᵀ
      lowerScores(attHead, head, rowBytes, scratch, T, hs);
      let t = 0;
      for (; t + 4 <= T; t += 4) causalSoftmaxBlock(attHead + (<usize>(t * T) << 2), t, T, scale);
      for (; t < T; t++) causalSoftmaxRow(attHead + (<usize>(t * T) << 2), t, T, scale);
      const y = out + (<usize>(b * T * C + hd * hs) << 2);
      lowerTimes(y, cBytes, attHead, head + 2 * cBytes, rowBytes, T, hs, false);
    }
  }
}

/** dqkv (B, T, 3C) += the gradient through attention of dout (B, T, C); datt and scratch are scratch. */
export function attentionBackward(dqkv: usize, att: usize, datt: usize, scratch: usize, dout: usize, qkv: usize, B: i32, T: i32, C: i32, NH: i32): void {
  const hs = C / NH;
  const scale = <f32>(1 / Math.sqrt(<f64>hs));
  const rowBytes = <usize>(3 * C) << 2;
  const cBytes = <usize>C << 2;
  for (let b = 0; b < B; b++) {
    for (let hd = 0; hd < NH; hd++) {
      const offset = <usize>(b * T) * rowBytes + (<usize>(hd * hs) << 2);
      const head = qkv + offset;
      const dhead = dqkv + offset;
      const dy = dout + (<usize>(b * T * C + hd * hs) << 2);
      const attHead = att + (<usize>((b * NH + hd) * T * T) << 2);
      const dattHead = datt + (<usize>((b * NH + hd) * T * T) << 2);
      transposeHead(scratch, head + 2 * cBytes, rowBytes, T, hs); // Vᵀ
      lowerScores(dattHead, dy, cBytes, scratch, T, hs); // dA = dY·Vᵀ
      let t = 0;
      for (; t + 4 <= T; t += 4) scoreGradBlock(dattHead + (<usize>(t * T) << 2), attHead + (<usize>(t * T) << 2), t, T, scale);
      for (; t < T; t++) scoreGradRow(dattHead + (<usize>(t * T) << 2), attHead + (<usize>(t * T) << 2), t, T, scale);
      lowerTimes(dhead, rowBytes, dattHead, head + cBytes, rowBytes, T, hs, true); // dQ += dS·K
      upperTimes(dhead + cBytes, rowBytes, dattHead, head, rowBytes, T, hs); // dK += dSᵀ·Q
      upperTimes(dhead + 2 * cBytes, rowBytes, attHead, dy, cBytes, T, hs); // dV += Aᵀ·dY
    }
  }
}

/**
 * da ← dS = scale·A·(dA − Σ_s A·dA) over s ≤ t. Inside a full block, whole vectors to its end: A is 0
 * after t there, so those lanes add nothing to the sum and get dS = 0, as the masked scores need.
 */
function scoreGradRow(da: usize, a: usize, t: i32, T: i32, scale: f32): void {
  const E = (t & ~3) + 4;
  const n = E > T ? t + 1 : E;
  const n4 = E > T ? n & ~3 : n;
  let dotV = f32x4.splat(0);
  let s = 0;
  for (; s < n4; s += 4) dotV = f32x4.add(dotV, f32x4.mul(v128.load(a + (<usize>s << 2)), v128.load(da + (<usize>s << 2))));
  let rowDot = sum4(dotV);
  for (; s < n; s++) rowDot += load<f32>(a + (<usize>s << 2)) * load<f32>(da + (<usize>s << 2));
  const dotS = f32x4.splat(rowDot), scaleV = f32x4.splat(scale);
  for (s = 0; s < n4; s += 4) {
    const at = da + (<usize>s << 2);
    v128.store(at, f32x4.mul(f32x4.mul(scaleV, v128.load(a + (<usize>s << 2))), f32x4.sub(v128.load(at), dotS)));
  }
  for (; s < n; s++) {
    const at = da + (<usize>s << 2);
    store<f32>(at, scale * load<f32>(a + (<usize>s << 2)) * (load<f32>(at) - rowDot));
  }
}

/** dA·A of one row's vectors [0, end), as scoreGradRow sums it: lanes in order, then across. */
@inline
function dotRow(da: usize, a: usize, end: usize): v128 {
  let dotV = f32x4.splat(0);
  for (let p: usize = 0; p < end; p += 16) dotV = f32x4.add(dotV, f32x4.mul(v128.load(a + p), v128.load(da + p)));
  return f32x4.splat(sum4(dotV));
}

/** da ← scale·A·(dA − dot) over one row's vectors [0, end). */
@inline
function scoreGradUpdate(da: usize, a: usize, end: usize, dot: v128, scaleV: v128): void {
  for (let p: usize = 0; p < end; p += 16) v128.store(da + p, f32x4.mul(f32x4.mul(scaleV, v128.load(a + p)), f32x4.sub(v128.load(da + p), dot)));
}

/**
 * scoreGradRow for the rows t0 … t0 + 3 of a full diagonal block (4 | t0, t0 + 4 ≤ T), the same
 * operations in the same order, the four rows' sums taken before any row is updated (independent chains).
 */
function scoreGradBlock(da: usize, a: usize, t0: i32, T: i32, scale: f32): void {
  const tBytes = <usize>T << 2;
  const end = <usize>(t0 + 4) << 2;
  const dot0 = dotRow(da, a, end), dot1 = dotRow(da + tBytes, a + tBytes, end);
  const dot2 = dotRow(da + 2 * tBytes, a + 2 * tBytes, end), dot3 = dotRow(da + 3 * tBytes, a + 3 * tBytes, end);
  const scaleV = f32x4.splat(scale);
  scoreGradUpdate(da, a, end, dot0, scaleV);
  scoreGradUpdate(da + tBytes, a + tBytes, end, dot1, scaleV);
  scoreGradUpdate(da + 2 * tBytes, a + 2 * tBytes, end, dot2, scaleV);
  scoreGradUpdate(da + 3 * tBytes, a + 3 * tBytes, end, dot3, scaleV);
}
