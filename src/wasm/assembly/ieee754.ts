// exp and log in float64 as V8 computes Math.exp and Math.log: V8's are fdlibm's (Sun, 1993) as
// adapted in its src/base/ieee754.cc, plain double arithmetic with no fused operations, so the same
// formulas, constants and operation order here give the same bits (checked for many millions of
// arguments and the edge cases in test/wasm-loss.test.ts). AssemblyScript's own Math.exp / Math.log
// follow musl, whose results differ in the last bit for some arguments: not usable where the wasm
// kernels must reproduce the TS loops exactly (softmax cross-entropy, src/nn/crossentropy.ts).

// exp: x = k·ln2 + r, |r| ≤ ln2/2 with ln2 split hi + lo (k·LN2_HI exact), a degree-5 Remez polynomial
// in r² for R(r) = r(eʳ + 1)/(eʳ − 1), eʳ = 1 + r + r·c/(2 − c), then 2ᵏ in the exponent bits.
const LN2_HI: f64 = 6.93147180369123816490e-01; // 0x3FE62E42 FEE00000
const LN2_LO: f64 = 1.90821492927058770002e-10; // 0x3DEA39EF 35793C76
const INVLN2: f64 = 1.44269504088896338700e+00;
const O_THRESHOLD: f64 = 7.09782712893383973096e+02; // above: overflow to +∞
const U_THRESHOLD: f64 = -7.45133219101941108420e+02; // below: underflow to +0
const P1: f64 = 1.66666666666666019037e-01;
const P2: f64 = -2.77777777770155933842e-03;
const P3: f64 = 6.61375632143793436117e-05;
const P4: f64 = -1.65339022054652515390e-06;
const P5: f64 = 4.13813679705723846039e-08;
const E: f64 = 2.718281828459045; // V8 returns this for exp(1) (the general path is 1 ulp off)
const TWO1023: f64 = 8.988465674311579539e307;
const TWOM1000: f64 = 9.33263618503218878990e-302;

/** 2ᵏ as a double from its exponent bits (k in the normal range). */
@inline
function twoTo(k: i32): f64 {
  return reinterpret<f64>(<u64><u32>(0x3FF00000 + (k << 20)) << 32);
}

/** eˣ, bit for bit V8's Math.exp. */
export function ieeeExp(x: f64): f64 {
  const bits = reinterpret<u64>(x);
  const xsb = <i32>(bits >>> 63);
  const hx = <u32>(bits >>> 32) & 0x7FFFFFFF;
  if (hx >= 0x40862E42) { // |x| ≥ 709.78…, or not finite
    if (hx >= 0x7FF00000) {
      if (((hx & 0xFFFFF) | <u32>bits) != 0) return x + x; // NaN
      return xsb == 0 ? x : 0.0;
    }
    if (x > O_THRESHOLD) return Infinity;
    if (x < U_THRESHOLD) return 0.0;
  }
  let hi: f64 = 0, lo: f64 = 0, k: i32 = 0;
  if (hx > 0x3FD62E42) { // |x| > ln2/2: reduce
    if (hx < 0x3FF0A2B2) { // and |x| < 1.5·ln2: k = ±1
      if (x == 1.0) return E;
      hi = xsb == 0 ? x - LN2_HI : x - -LN2_HI;
      lo = xsb == 0 ? LN2_LO : -LN2_LO;
      k = 1 - xsb - xsb;
    } else {
      k = <i32>(INVLN2 * x + (xsb == 0 ? 0.5 : -0.5));
      const t = <f64>k;
      hi = x - t * LN2_HI;
      lo = t * LN2_LO;
    }
    x = hi - lo;
  } else if (hx < 0x3E300000) { // |x| < 2⁻²⁸
    return 1.0 + x;
  }
  const t = x * x;
  const c = x - t * (P1 + t * (P2 + t * (P3 + t * (P4 + t * P5))));
  if (k == 0) return 1.0 - ((x * c) / (c - 2.0) - x);
  const y = 1.0 - ((lo - (x * c) / (2.0 - c)) - hi);
  if (k >= -1021) return k == 1024 ? y * 2.0 * TWO1023 : y * twoTo(k);
  return y * twoTo(k + 1000) * TWOM1000;
}

// log: x = 2ᵏ(1 + f) with √2/2 < 1 + f < √2, s = f/(2 + f), log(1 + f) = 2s + s·R(s²) with a
// degree-14 Remez polynomial R, k·ln2 added in two parts.
const TWO54: f64 = 1.80143985094819840000e+16;
const LG1: f64 = 6.666666666666735130e-01;
const LG2: f64 = 3.999999999940941908e-01;
const LG3: f64 = 2.857142874366239149e-01;
const LG4: f64 = 2.222219843214978396e-01;
const LG5: f64 = 1.818357216161805012e-01;
const LG6: f64 = 1.531383769920937332e-01;
const LG7: f64 = 1.479819860511658591e-01;

/** ln x, bit for bit V8's Math.log (NaN for x < 0, −∞ for ±0). */
export function ieeeLog(x: f64): f64 {
  let hx = <i32>(reinterpret<u64>(x) >>> 32);
  const lx = <u32>reinterpret<u64>(x);
  let k: i32 = 0;
  if (hx < 0x00100000) { // x < 2⁻¹⁰²²: zero, negative or subnormal
    if (((hx & 0x7FFFFFFF) | lx) == 0) return -Infinity;
    if (hx < 0) return NaN;
    k -= 54;
    x *= TWO54; // subnormal: scale up
    hx = <i32>(reinterpret<u64>(x) >>> 32);
  }
  if (hx >= 0x7FF00000) return x + x;
  k += (hx >> 20) - 1023;
  hx &= 0x000FFFFF;
  const i = (hx + 0x95F64) & 0x100000;
  // x or x/2 normalised into [√2/2, √2)
  x = reinterpret<f64>((<u64><u32>(hx | (i ^ 0x3FF00000)) << 32) | (reinterpret<u64>(x) & 0xFFFFFFFF));
  k += i >> 20;
  const f = x - 1.0;
  const dk = <f64>k;
  if ((0x000FFFFF & (2 + hx)) < 3) return logNearOne(f, k, dk); // |f| < 2⁻²⁰
  const s = f / (2.0 + f);
  const z = s * s;
  const w = z * z;
  const t1 = w * (LG2 + w * (LG4 + w * LG6));
  const t2 = z * (LG1 + w * (LG3 + w * (LG5 + w * LG7)));
  const R = t2 + t1;
  if (((hx - 0x6147A) | (0x6B851 - hx)) > 0) {
    const hfsq = 0.5 * f * f;
    if (k == 0) return f - (hfsq - s * (hfsq + R));
    return dk * LN2_HI - ((hfsq - (s * (hfsq + R) + dk * LN2_LO)) - f);
  }
  if (k == 0) return f - s * (f - R);
  return dk * LN2_HI - ((s * (f - R) - dk * LN2_LO) - f);
}

/** log's tail for |f| < 2⁻²⁰: f − f²/2 + f³/3. */
@inline
function logNearOne(f: f64, k: i32, dk: f64): f64 {
  if (f == 0) return k == 0 ? 0.0 : dk * LN2_HI + dk * LN2_LO;
  const R = f * f * (0.5 - 0.33333333333333333 * f);
  if (k == 0) return f - R;
  return dk * LN2_HI - ((R - dk * LN2_LO) - f);
}

// ieeeExp in two f64x2 lanes, for the common arguments |x| < 512 (x ≠ 1): the same operations on the
// same values, with fdlibm's branches on |x| turned into lane selects that each give what its branch
// computes: k = 0 for |x| ≤ ln2/2 (then hi = x, lo = 0, and the general formula's y·2⁰ equals the k = 0
// formula's value, (lo − q) − hi being −(q′) − x with q′ = x·c/(c − 2) = −q exactly); k = ±1 up to
// 1.5·ln2 (t·LN2_HI is then ±LN2_HI exactly); 1 + x below 2⁻²⁸. 2ᵏ is built from k's bits as in
// ./math's exp4. Lanes outside that range go through ieeeExp itself.
const MAGIC: f64 = 6755399441055744.0; // 1.5·2⁵²: k + MAGIC holds k in its low mantissa bits

/** [ieeeExp(lane 0), ieeeExp(lane 1)]. Inlined into its two callers (a v128 signature is for inside the module only). */
@inline
export function ieeeExp2(x: v128): v128 {
  const hx = v128.and(i64x2.shr_u(x, 32), i64x2.splat(0x7FFFFFFF));
  const rare = v128.or(i64x2.ge_s(hx, i64x2.splat(0x40800000)), f64x2.eq(x, f64x2.splat(1)));
  if (v128.any_true(rare)) {
    return f64x2.replace_lane(f64x2.splat(ieeeExp(f64x2.extract_lane(x, 0))), 1, ieeeExp(f64x2.extract_lane(x, 1)));
  }
  const sign = v128.and(x, f64x2.splat(-0.0));
  const kGeneral = f64x2.trunc(f64x2.add(f64x2.mul(f64x2.splat(INVLN2), x), v128.or(f64x2.splat(0.5), sign)));
  const kOne = v128.or(f64x2.splat(1), sign);
  const small = i64x2.le_s(hx, i64x2.splat(0x3FD62E42));
  const mid = i64x2.lt_s(hx, i64x2.splat(0x3FF0A2B2));
  const t = v128.andnot(v128.bitselect(kOne, kGeneral, mid), small);
  const hi = f64x2.sub(x, f64x2.mul(t, f64x2.splat(LN2_HI)));
  const lo = f64x2.mul(t, f64x2.splat(LN2_LO));
  const r = f64x2.sub(hi, lo);
  const tt = f64x2.mul(r, r);
  let p = f64x2.add(f64x2.splat(P4), f64x2.mul(tt, f64x2.splat(P5)));
  p = f64x2.add(f64x2.splat(P3), f64x2.mul(tt, p));
  p = f64x2.add(f64x2.splat(P2), f64x2.mul(tt, p));
  p = f64x2.add(f64x2.splat(P1), f64x2.mul(tt, p));
  const c = f64x2.sub(r, f64x2.mul(tt, p));
  const q = f64x2.div(f64x2.mul(r, c), f64x2.sub(f64x2.splat(2), c));
  const y = f64x2.sub(f64x2.splat(1), f64x2.sub(f64x2.sub(lo, q), hi));
  const twoK = i64x2.shl(i64x2.add(f64x2.add(t, f64x2.splat(MAGIC)), i64x2.splat(1023)), 52);
  const tiny = i64x2.lt_s(hx, i64x2.splat(0x3E300000));
  return v128.bitselect(f64x2.add(f64x2.splat(1), x), f64x2.mul(y, twoK), tiny);
}

/** out[i] = ieeeExp(inp[i]) over n float64s, two at a time through ieeeExp2 (for its bit-for-bit test). */
export function expInto(out: usize, inp: usize, n: i32): void {
  let i = 0;
  for (; i + 2 <= n; i += 2) v128.store(out + (<usize>i << 3), ieeeExp2(v128.load(inp + (<usize>i << 3))));
  if (i < n) store<f64>(out + (<usize>i << 3), ieeeExp(load<f64>(inp + (<usize>i << 3))));
}
