// LayerNorm forward and backward: src/nn/layernorm.ts's loops bit for bit. The TS loops evaluate in
// float64 and round once per stored float; so do these: each row's sums run in f64, in order (several
// rows side by side), and the per-feature expressions in f64x2 lanes, two features at a time, with
// the same operations in the same order (IEEE float64 gives the same bits in either).
// Pointers are byte offsets; N rows of C features.

const EPS: f64 = 1e-5;

/** Two floats at p as float64 lanes. */
@inline
function load2(p: usize): v128 {
  return f64x2.promote_low_f32x4(v128.load64_zero(p));
}

/** Two float64 lanes rounded to float32 and stored at p. */
@inline
function store2(p: usize, v: v128): void {
  v128.store64_lane(p, f32x4.demote_f64x2_zero(v), 0);
}

/** out = (inp − mean)·rstd·weight + bias, row by row; saves mean[N] and rstd[N]. */
export function layernormForward(out: usize, mean: usize, rstd: usize, inp: usize, weight: usize, bias: usize, N: i32, C: i32): void {
  const rowBytes = <usize>C << 2;
  const cf = <f64>C;
  let n = 0;
  // Four rows at a time: four independent chains of float64 adds (each one row, in order) instead of
  // one chain waiting on each add's latency.
  for (; n + 4 <= N; n += 4) {
    const x0 = inp + <usize>n * rowBytes;
    const x1 = x0 + rowBytes, x2 = x1 + rowBytes, x3 = x2 + rowBytes;
    let s0: f64 = 0, s1: f64 = 0, s2: f64 = 0, s3: f64 = 0;
    for (let c: usize = 0; c < rowBytes; c += 4) {
      s0 += <f64>load<f32>(x0 + c);
      s1 += <f64>load<f32>(x1 + c);
      s2 += <f64>load<f32>(x2 + c);
      s3 += <f64>load<f32>(x3 + c);
    }
    const m0 = s0 / cf, m1 = s1 / cf, m2 = s2 / cf, m3 = s3 / cf;
    let q0: f64 = 0, q1: f64 = 0, q2: f64 = 0, q3: f64 = 0;
    for (let c: usize = 0; c < rowBytes; c += 4) {
      const d0 = <f64>load<f32>(x0 + c) - m0;
      const d1 = <f64>load<f32>(x1 + c) - m1;
      const d2 = <f64>load<f32>(x2 + c) - m2;
      const d3 = <f64>load<f32>(x3 + c) - m3;
      q0 += d0 * d0;
      q1 += d1 * d1;
      q2 += d2 * d2;
      q3 += d3 * d3;
    }
    normalizeRow(out, mean, rstd, inp, weight, bias, n, C, m0, 1 / Math.sqrt(q0 / cf + EPS));
    normalizeRow(out, mean, rstd, inp, weight, bias, n + 1, C, m1, 1 / Math.sqrt(q1 / cf + EPS));
    normalizeRow(out, mean, rstd, inp, weight, bias, n + 2, C, m2, 1 / Math.sqrt(q2 / cf + EPS));
    normalizeRow(out, mean, rstd, inp, weight, bias, n + 3, C, m3, 1 / Math.sqrt(q3 / cf + EPS));
  }
  for (; n < N; n++) {
    const x = inp + <usize>n * rowBytes;
    let sum: f64 = 0;
    for (let c: usize = 0; c < rowBytes; c += 4) sum += <f64>load<f32>(x + c);
    const m = sum / cf;
    let sumSq: f64 = 0;
    for (let c: usize = 0; c < rowBytes; c += 4) {
      const d = <f64>load<f32>(x + c) - m;
      sumSq += d * d;
    }
    normalizeRow(out, mean, rstd, inp, weight, bias, n, C, m, 1 / Math.sqrt(sumSq / cf + EPS));
  }
}

/** Row n of out from its mean m and rstd s, two features per f64x2; saves m and s. */
@inline
function normalizeRow(out: usize, mean: usize, rstd: usize, inp: usize, weight: usize, bias: usize, n: i32, C: i32, m: f64, s: f64): void {
  const x = inp + (<usize>(n * C) << 2);
  const y = out + (<usize>(n * C) << 2);
  const mv = f64x2.splat(m);
  const sv = f64x2.splat(s);
  let c = 0;
  for (; c + 2 <= C; c += 2) {
    const at = <usize>c << 2;
    store2(y + at, f64x2.add(f64x2.mul(f64x2.mul(f64x2.sub(load2(x + at), mv), sv), load2(weight + at)), load2(bias + at)));
  }
  if (c < C) {
    const at = <usize>c << 2;
    store<f32>(y + at, <f32>((<f64>load<f32>(x + at) - m) * s * <f64>load<f32>(weight + at) + <f64>load<f32>(bias + at)));
  }
  store<f32>(mean + (<usize>n << 2), <f32>m);
  store<f32>(rstd + (<usize>n << 2), <f32>s);
}

/** Adds into dinp, dweight, dbias: dx = rstd·(dx̂ − mean(dx̂) − x̂·mean(dx̂·x̂)), dx̂ = dout·w (src/nn/layernorm.ts). */
export function layernormBackward(
  dinp: usize, dweight: usize, dbias: usize, dout: usize, inp: usize,
  weight: usize, mean: usize, rstd: usize, N: i32, C: i32,
): void {
  const rowBytes = <usize>C << 2;
  const cf = <f64>C;
  let n = 0;
  // Two rows at a time: four independent chains of float64 adds (each one row's sum, in order).
  for (; n + 2 <= N; n += 2) {
    const x0 = inp + <usize>n * rowBytes, x1 = x0 + rowBytes;
    const dy0 = dout + <usize>n * rowBytes, dy1 = dy0 + rowBytes;
    const m0 = <f64>load<f32>(mean + (<usize>n << 2)), m1 = <f64>load<f32>(mean + (<usize>(n + 1) << 2));
    const r0 = <f64>load<f32>(rstd + (<usize>n << 2)), r1 = <f64>load<f32>(rstd + (<usize>(n + 1) << 2));
    let a0: f64 = 0, b0: f64 = 0, a1: f64 = 0, b1: f64 = 0;
    for (let c: usize = 0; c < rowBytes; c += 4) {
      const w = <f64>load<f32>(weight + c);
      const dnorm0 = w * <f64>load<f32>(dy0 + c);
      const dnorm1 = w * <f64>load<f32>(dy1 + c);
      a0 += dnorm0;
      b0 += dnorm0 * ((<f64>load<f32>(x0 + c) - m0) * r0);
      a1 += dnorm1;
      b1 += dnorm1 * ((<f64>load<f32>(x1 + c) - m1) * r1);
    }
    backwardRow(dinp + <usize>n * rowBytes, dweight, dbias, dy0, x0, weight, m0, r0, a0 / cf, b0 / cf, C);
    backwardRow(dinp + <usize>(n + 1) * rowBytes, dweight, dbias, dy1, x1, weight, m1, r1, a1 / cf, b1 / cf, C);
  }
  for (; n < N; n++) {
    const x = inp + <usize>n * rowBytes;
    const dy = dout + <usize>n * rowBytes;
    const m = <f64>load<f32>(mean + (<usize>n << 2));
    const s = <f64>load<f32>(rstd + (<usize>n << 2));
    let dnormMean: f64 = 0;
    let dnormNormMean: f64 = 0;
    for (let c: usize = 0; c < rowBytes; c += 4) {
      const dnorm = <f64>load<f32>(weight + c) * <f64>load<f32>(dy + c);
      dnormMean += dnorm;
      dnormNormMean += dnorm * ((<f64>load<f32>(x + c) - m) * s);
    }
    backwardRow(dinp + <usize>n * rowBytes, dweight, dbias, dy, x, weight, m, s, dnormMean / cf, dnormNormMean / cf, C);
  }
}

/** One row's per-feature updates, two features per f64x2. */
@inline
function backwardRow(
  dx: usize, dweight: usize, dbias: usize, dy: usize, x: usize, weight: usize,
  m: f64, s: f64, dnormMean: f64, dnormNormMean: f64, C: i32,
): void {
  const mv = f64x2.splat(m), sv = f64x2.splat(s);
  const meanV = f64x2.splat(dnormMean), normMeanV = f64x2.splat(dnormNormMean);
  let c = 0;
  for (; c + 2 <= C; c += 2) {
    const at = <usize>c << 2;
    const norm = f64x2.mul(f64x2.sub(load2(x + at), mv), sv);
    const d = load2(dy + at);
    const dnorm = f64x2.mul(load2(weight + at), d);
    store2(dbias + at, f64x2.add(load2(dbias + at), d));
    store2(dweight + at, f64x2.add(load2(dweight + at), f64x2.mul(norm, d)));
    const g = f64x2.mul(f64x2.sub(f64x2.sub(dnorm, meanV), f64x2.mul(norm, normMeanV)), sv);
    store2(dx + at, f64x2.add(load2(dx + at), g));
  }
  if (c < C) {
    const at = <usize>c << 2;
    const norm = (<f64>load<f32>(x + at) - m) * s;
    const d = <f64>load<f32>(dy + at);
    const dnorm = <f64>load<f32>(weight + at) * d;
    store<f32>(dbias + at, <f32>(<f64>load<f32>(dbias + at) + d));
    store<f32>(dweight + at, <f32>(<f64>load<f32>(dweight + at) + norm * d));
    store<f32>(dx + at, <f32>(<f64>load<f32>(dx + at) + (dnorm - dnormMean - norm * dnormNormMean) * s));
  }
}
