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

/** [p[0], p[C]] as float64 lanes: one float of two consecutive rows rowBytes apart. */
@inline
function rowPair(p: usize, rowBytes: usize): v128 {
  return f64x2.replace_lane(f64x2.splat(<f64>load<f32>(p)), 1, <f64>load<f32>(p + rowBytes));
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
  // Four rows at a time, two per f64x2 (a lane is a row, summed in order): four independent chains
  // of float64 adds instead of one waiting on each add's latency.
  for (; n + 4 <= N; n += 4) {
    const x0 = inp + <usize>n * rowBytes;
    const x2 = x0 + 2 * rowBytes;
    let sumA = f64x2.splat(0), sumB = sumA;
    for (let c: usize = 0; c < rowBytes; c += 4) {
      sumA = f64x2.add(sumA, rowPair(x0 + c, rowBytes));
      sumB = f64x2.add(sumB, rowPair(x2 + c, rowBytes));
    }
    const mA = f64x2.div(sumA, f64x2.splat(cf)), mB = f64x2.div(sumB, f64x2.splat(cf));
    let sqA = f64x2.splat(0), sqB = sqA;
    for (let c: usize = 0; c < rowBytes; c += 4) {
      const dA = f64x2.sub(rowPair(x0 + c, rowBytes), mA);
      const dB = f64x2.sub(rowPair(x2 + c, rowBytes), mB);
      sqA = f64x2.add(sqA, f64x2.mul(dA, dA));
      sqB = f64x2.add(sqB, f64x2.mul(dB, dB));
    }
    const one = f64x2.splat(1), eps = f64x2.splat(EPS);
    const sA = f64x2.div(one, f64x2.sqrt(f64x2.add(f64x2.div(sqA, f64x2.splat(cf)), eps)));
    const sB = f64x2.div(one, f64x2.sqrt(f64x2.add(f64x2.div(sqB, f64x2.splat(cf)), eps)));
    normalizeRow(out, mean, rstd, inp, weight, bias, n, C, f64x2.extract_lane(mA, 0), f64x2.extract_lane(sA, 0));
    normalizeRow(out, mean, rstd, inp, weight, bias, n + 1, C, f64x2.extract_lane(mA, 1), f64x2.extract_lane(sA, 1));
    normalizeRow(out, mean, rstd, inp, weight, bias, n + 2, C, f64x2.extract_lane(mB, 0), f64x2.extract_lane(sB, 0));
    normalizeRow(out, mean, rstd, inp, weight, bias, n + 3, C, f64x2.extract_lane(mB, 1), f64x2.extract_lane(sB, 1));
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
