// f32x4 exp, sigmoid and tanh for the LSTM gates. exp is Cephes' expf: x = n·ln2 + r with
// |r| ≤ ln2/2 (Cody–Waite split of ln2), a degree-7 polynomial for eʳ, and 2ⁿ built in the exponent
// bits; about 1 ulp on the clamped range [−87, 88] (so 2ⁿ stays a normal float). sigmoid and tanh are
// built from it and are accurate to a few ulps of 1 (their outputs lie in [−1, 1]); the TS layers use
// Math.exp / Math.tanh in float64.

const LOG2E: f32 = 1.44269504088896341;
const LN2_HI: f32 = 0.693359375;
const LN2_LO: f32 = -2.12194440e-4;

@inline
export function exp4(x: v128): v128 {
  // pmin/pmax (one instruction each; min/max are a NaN-handling sequence in V8) clamp alike: with x
  // first, a NaN x comes through as NaN either way.
  x = f32x4.pmax(f32x4.pmin(x, f32x4.splat(88)), f32x4.splat(-87));
  const n = f32x4.nearest(f32x4.mul(x, f32x4.splat(LOG2E)));
  const r = f32x4.sub(f32x4.sub(x, f32x4.mul(n, f32x4.splat(LN2_HI))), f32x4.mul(n, f32x4.splat(LN2_LO)));
  let p = f32x4.splat(1.9875691500e-4);
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.3981999507e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(8.3334519073e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(4.1665795894e-2));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.6666665459e-1));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(5.0000001201e-1));
  const er = f32x4.add(f32x4.add(f32x4.mul(p, f32x4.mul(r, r)), r), f32x4.splat(1));
  // 2ⁿ: n + 127 in the exponent field. n is an integer in [−126, 127], so the float n + 2²³ + 127 holds
  // n + 127 exactly in its low mantissa bits, and the shift drops everything above them: the bits of
  // the truncating conversion, without its saturation sequence (checked equal for all 2³² inputs,
  // NaN payloads aside).
  const pow2n = i32x4.shl(f32x4.add(n, f32x4.splat(8388735)), 23);
  return f32x4.mul(er, pow2n);
}

/** σ(x) = 1/(1 + e⁻ˣ) */
@inline
export function sigmoid4(x: v128): v128 {
  const one = f32x4.splat(1);
  return f32x4.div(one, f32x4.add(one, exp4(f32x4.neg(x))));
}

/** tanh x = 1 − 2/(1 + e²ˣ): exact limits ±1 for large |x|, absolute error a few ulps of 1 near 0. */
@inline
export function tanh4(x: v128): v128 {
  const one = f32x4.splat(1);
  return f32x4.sub(one, f32x4.div(f32x4.splat(2), f32x4.add(one, exp4(f32x4.add(x, x)))));
}

// One-lane versions for loop tails, through the same vector code (so tails round identically).
@inline
export function sigmoid1(x: f32): f32 {
  return f32x4.extract_lane(sigmoid4(f32x4.splat(x)), 0);
}

@inline
export function tanh1(x: f32): f32 {
  return f32x4.extract_lane(tanh4(f32x4.splat(x)), 0);
}
