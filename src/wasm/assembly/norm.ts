// The gradient norm's Σx² over one chunk and clipping's x·factor: src/optim/clip.ts's loops, bit for
// bit. trace.csv prints ‖g‖₂ at full precision and these are the default kernels, so the sum follows
// the reference's fixed scheme exactly (src/optim/chunks.ts: eight float64 accumulators, element i in
// accumulator i mod 8, combined in a fixed order, then the n mod 8 tail in order); the caller adds the
// chunks' sums in order. Each scaled value is the float64 product rounded once to float32, as the TS loop.

/** Σ x_i² over x[0, n) (one chunk): squares in float64, in the eight interleaved sums of the reference. */
export function sumOfSquares(x: usize, n: i32): f64 {
  // f64x2 lanes: a = (s0, s1), b = (s2, s3), c = (s4, s5), d = (s6, s7)
  let a = f64x2.splat(0), b = f64x2.splat(0), c = f64x2.splat(0), d = f64x2.splat(0);
  const n8 = n & ~7;
  let i = 0;
  for (; i < n8; i += 8) {
    const at = x + (<usize>i << 2);
    const lo = v128.load(at), hi = v128.load(at, 16);
    const x01 = f64x2.promote_low_f32x4(lo);
    const x23 = f64x2.promote_low_f32x4(v128.shuffle<f32>(lo, lo, 2, 3, 0, 1));
    const x45 = f64x2.promote_low_f32x4(hi);
    const x67 = f64x2.promote_low_f32x4(v128.shuffle<f32>(hi, hi, 2, 3, 0, 1));
    a = f64x2.add(a, f64x2.mul(x01, x01));
    b = f64x2.add(b, f64x2.mul(x23, x23));
    c = f64x2.add(c, f64x2.mul(x45, x45));
    d = f64x2.add(d, f64x2.mul(x67, x67));
  }
  // lane 0: (s0 + s2) + (s4 + s6), lane 1: (s1 + s3) + (s5 + s7), as the reference combines them
  const t = f64x2.add(f64x2.add(a, b), f64x2.add(c, d));
  let sum = f64x2.extract_lane(t, 0) + f64x2.extract_lane(t, 1);
  for (; i < n; i++) {
    const xi = <f64>load<f32>(x + (<usize>i << 2));
    sum += xi * xi;
  }
  return sum;
}

export function scaleInPlace(x: usize, n: i32, factor: f64): void {
  for (let i = 0; i < n; i++) {
    const at = x + (<usize>i << 2);
    store<f32>(at, <f32>(<f64>load<f32>(at) * factor));
  }
}
