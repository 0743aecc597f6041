// The elementwise layers of the MLP and the transformer: tanh and GELU (src/nn/activation.ts), the
// residual add (src/nn/residual.ts), and the gradients' zeroing. The residual loops and tanh's
// backward are bit for bit the TS loops' (an f32 add equals the TS float64 add rounded once; tanh's
// backward runs the TS float64 expression in f64x2 lanes). tanh and GELU forward, and GELU's
// backward, evaluate in float32 with ./math's exp4 where the TS loops call Math.tanh / Math.exp in
// float64: they agree to a few float32 roundings (bounds derived in test/wasm-layers.test.ts).
// Pointers are byte offsets.
import { exp4 } from './math';

/** out = a + b */
export function residualForward(out: usize, a: usize, b: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const at = <usize>i << 2;
    v128.store(out + at, f32x4.add(v128.load(a + at), v128.load(b + at)));
  }
  for (; i < n; i++) {
    const at = <usize>i << 2;
    store<f32>(out + at, load<f32>(a + at) + load<f32>(b + at));
  }
}

/** x[0, n) = 0, one bulk fill */
export function fillZero(x: usize, n: i32): void {
  memory.fill(x, 0, <usize>n << 2);
}

/** da += dout, db += dout */
export function residualBackward(da: usize, db: usize, dout: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const at = <usize>i << 2;
    const d = v128.load(dout + at);
    v128.store(da + at, f32x4.add(v128.load(da + at), d));
    v128.store(db + at, f32x4.add(v128.load(db + at), d));
  }
  for (; i < n; i++) {
    const at = <usize>i << 2;
    const d = load<f32>(dout + at);
    store<f32>(da + at, load<f32>(da + at) + d);
    store<f32>(db + at, load<f32>(db + at) + d);
  }
}

// tanh as Cephes' tanhf, accurate to a few float32 roundings *relative to tanh x* (./math's tanh4,
// 1 − 2/(1 + e²ˣ), loses relative accuracy near 0 by cancellation, which an MLP's small
// pre-activations would show): |x| < 0.625: x·(1 + x²·P(x²)) (the product form keeps −0);
// otherwise ±(1 − 2/(e^{2|x|} + 1)), whose exp4 clamp gives exactly ±1 for large |x| (and NaN stays NaN).
@inline
function tanhRelative4(x: v128): v128 {
  const ax = f32x4.abs(x);
  const z = f32x4.mul(x, x);
  let p = f32x4.splat(-5.70498872745e-3);
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(2.06390887954e-2));
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(-5.37397155531e-2));
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(1.33314422036e-1));
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(-3.33332819422e-1));
  const small = f32x4.mul(x, f32x4.add(f32x4.splat(1), f32x4.mul(z, p)));
  const e = exp4(f32x4.add(ax, ax));
  const large = f32x4.sub(f32x4.splat(1), f32x4.div(f32x4.splat(2), f32x4.add(e, f32x4.splat(1))));
  const signed = v128.or(large, v128.and(x, f32x4.splat(-0.0)));
  return v128.bitselect(small, signed, f32x4.lt(ax, f32x4.splat(0.625)));
}

/** out = tanh(inp) */
export function tanhForward(out: usize, inp: usize, n: i32): void {
  let i = 0;
  // two vectors per iteration: two independent chains through exp4's polynomial
  for (; i + 8 <= n; i += 8) {
    const at = <usize>i << 2;
    const y0 = tanhRelative4(v128.load(inp + at));
    const y1 = tanhRelative4(v128.load(inp + at + 16));
    v128.store(out + at, y0);
    v128.store(out + at + 16, y1);
  }
  for (; i + 4 <= n; i += 4) {
    const at = <usize>i << 2;
    v128.store(out + at, tanhRelative4(v128.load(inp + at)));
  }
  for (; i < n; i++) {
    const at = <usize>i << 2;
    store<f32>(out + at, f32x4.extract_lane(tanhRelative4(f32x4.splat(load<f32>(inp + at))), 0));
  }
}

/** dinp += dout·(1 − out²), in float64 as the TS expression (out² is exact there), rounded once. */
export function tanhBackward(dinp: usize, dout: usize, out: usize, n: i32): void {
  const one = f64x2.splat(1);
  let i = 0;
  for (; i + 2 <= n; i += 2) {
    const at = <usize>i << 2;
    const y = f64x2.promote_low_f32x4(v128.load64_zero(out + at));
    const d = f64x2.promote_low_f32x4(v128.load64_zero(dout + at));
    const g = f64x2.promote_low_f32x4(v128.load64_zero(dinp + at));
    const r = f64x2.add(g, f64x2.mul(d, f64x2.sub(one, f64x2.mul(y, y))));
    v128.store64_lane(dinp + at, f32x4.demote_f64x2_zero(r), 0);
  }
  if (i < n) {
    const at = <usize>i << 2;
    const y = <f64>load<f32>(out + at);
    store<f32>(dinp + at, <f32>(<f64>load<f32>(dinp + at) + <f64>load<f32>(dout + at) * (1 - y * y)));
  }
}

// GELU, tanh approximation: gelu(x) = x·σ(2u), u = √(2/π)(x + 0.044715x³), as src/nn/activation.ts.
const GELU_SCALE: f32 = 0.7978845608028654;
const GELU_CUBIC: f32 = 0.044715;
const GELU_CUBIC3: f32 = 0.134145; // 3·0.044715, for u'(x) = √(2/π)(1 + 3·0.044715x²)
// Beyond −2u = 88, e^{−2u} would pass exp4's clamp: there σ(2u) < 6.1e-39 and the TS value of
// x·σ(2u) is below 2e-37 in magnitude, so σ is taken as 0 (x·σ = ∓0, as the TS x/(1 + ∞)).
const EXP_LIMIT: f32 = 88;

/** −2u for the lanes x. */
@inline
function minusTwoU(x: v128): v128 {
  const cubic = f32x4.mul(f32x4.mul(f32x4.mul(x, x), x), f32x4.splat(GELU_CUBIC));
  return f32x4.mul(f32x4.add(x, cubic), f32x4.splat(-2 * GELU_SCALE));
}

@inline
function gelu4(x: v128): v128 {
  const m2u = minusTwoU(x);
  return geluFrom(x, m2u, exp4(m2u));
}

/** gelu from x, −2u and e = exp4(−2u). */
@inline
function geluFrom(x: v128, m2u: v128, e: v128): v128 {
  const y = f32x4.div(x, f32x4.add(f32x4.splat(1), e));
  return v128.bitselect(f32x4.mul(x, f32x4.splat(0)), y, f32x4.gt(m2u, f32x4.splat(EXP_LIMIT)));
}

/**
 * gelu'(x) = σ + 2x·σ(1 − σ)·u'(x), σ = σ(2u), with 1 − σ taken as e^{−2u}·σ (no cancellation when σ
 * is near 1). Where σ(1 − σ) is 0 (σ rounded to 0 or 1) the second term is 0, as it is in the TS
 * float64 evaluation, even where u'(x) overflows float32.
 */
@inline
function geluGrad4(x: v128): v128 {
  const m2u = minusTwoU(x);
  return geluGradFrom(x, m2u, exp4(m2u));
}

/** gelu'(x) from x, −2u and exp4(−2u), as geluGrad4. */
@inline
function geluGradFrom(x: v128, m2u: v128, expM2u: v128): v128 {
  // Below −87, exp4's clamp would return e^{−87} for what is 0 to float32 next to 1: make it 0.
  // Beyond EXP_LIMIT (σ taken as 0 there) e is made 0 as well: 1/(1 + e^{88}) would be a subnormal,
  // which the CPU computes in a microcode assist ~100× slower (GELU inputs below −10 are common in
  // training), and the lane's s is 0 whatever e is, so t = e·s·s = 0 either way.
  const big = f32x4.gt(m2u, f32x4.splat(EXP_LIMIT));
  const e = v128.andnot(expM2u, v128.or(f32x4.lt(m2u, f32x4.splat(-87)), big));
  const s = v128.andnot(f32x4.div(f32x4.splat(1), f32x4.add(f32x4.splat(1), e)), big);
  const t = f32x4.mul(f32x4.mul(e, s), s);
  const du = f32x4.mul(f32x4.add(f32x4.splat(1), f32x4.mul(f32x4.mul(x, x), f32x4.splat(GELU_CUBIC3))), f32x4.splat(GELU_SCALE));
  const second = f32x4.mul(f32x4.mul(f32x4.add(x, x), t), du);
  return f32x4.add(s, v128.andnot(second, f32x4.eq(t, f32x4.splat(0))));
}

/** out = gelu(inp) */
export function geluForward(out: usize, inp: usize, n: i32): void {
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    const at = <usize>i << 2;
    const y0 = gelu4(v128.load(inp + at));
    const y1 = gelu4(v128.load(inp + at + 16));
    v128.store(out + at, y0);
    v128.store(out + at + 16, y1);
  }
  for (; i + 4 <= n; i += 4) {
    const at = <usize>i << 2;
    v128.store(out + at, gelu4(v128.load(inp + at)));
  }
  for (; i < n; i++) {
    const at = <usize>i << 2;
    store<f32>(out + at, f32x4.extract_lane(gelu4(f32x4.splat(load<f32>(inp + at))), 0));
  }
}

/** dinp += dout·gelu'(inp) */
export function geluBackward(dinp: usize, dout: usize, inp: usize, n: i32): void {
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    const at = <usize>i << 2;
    const g0 = f32x4.mul(v128.load(dout + at), geluGrad4(v128.load(inp + at)));
    const g1 = f32x4.mul(v128.load(dout + at + 16), geluGrad4(v128.load(inp + at + 16)));
    v128.store(dinp + at, f32x4.add(v128.load(dinp + at), g0));
    v128.store(dinp + at + 16, f32x4.add(v128.load(dinp + at + 16), g1));
  }
  for (; i + 4 <= n; i += 4) {
    const at = <usize>i << 2;
    const g = f32x4.mul(v128.load(dout + at), geluGrad4(v128.load(inp + at)));
    v128.store(dinp + at, f32x4.add(v128.load(dinp + at), g));
  }
  for (; i < n; i++) {
    const at = <usize>i << 2;
    const g = load<f32>(dout + at) * f32x4.extract_lane(geluGrad4(f32x4.splat(load<f32>(inp + at))), 0);
    store<f32>(dinp + at, load<f32>(dinp + at) + g);
  }
}

// The transformer's GELU keeps exp4(−2u) of its forward (`saved`, n floats) for its backward, which
// then skips the exponential, the larger part of its work: the same e, so the same bits as
// geluForward / geluBackward.

/** out = gelu(inp), saved = exp4(−2u) */
export function geluForwardSaving(out: usize, inp: usize, n: i32, saved: usize): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const at = <usize>i << 2;
    const x = v128.load(inp + at);
    const m2u = minusTwoU(x);
    const e = exp4(m2u);
    v128.store(saved + at, e);
    v128.store(out + at, geluFrom(x, m2u, e));
  }
  for (; i < n; i++) {
    const at = <usize>i << 2;
    const x = f32x4.splat(load<f32>(inp + at));
    const m2u = minusTwoU(x);
    const e = exp4(m2u);
    store<f32>(saved + at, f32x4.extract_lane(e, 0));
    store<f32>(out + at, f32x4.extract_lane(geluFrom(x, m2u, e), 0));
  }
}

/** dinp += dout·gelu'(inp), from the forward's saved exp4(−2u) */
export function geluBackwardSaved(dinp: usize, dout: usize, inp: usize, n: i32, saved: usize): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const at = <usize>i << 2;
    const x = v128.load(inp + at);
    const g = f32x4.mul(v128.load(dout + at), geluGradFrom(x, minusTwoU(x), v128.load(saved + at)));
    v128.store(dinp + at, f32x4.add(v128.load(dinp + at), g));
  }
  for (; i < n; i++) {
    const at = <usize>i << 2;
    const x = f32x4.splat(load<f32>(inp + at));
    const grad = f32x4.extract_lane(geluGradFrom(x, minusTwoU(x), f32x4.splat(load<f32>(saved + at))), 0);
    store<f32>(dinp + at, load<f32>(dinp + at) + load<f32>(dout + at) * grad);
  }
}
