// LayerNorm forward and backward: src/nn/layernorm.ts's loops bit for bit. The TS loops evaluate in
// float64 and round once per stored float; so do these: the row sums run in f64, in order, one row at
// a time (as the TS loops), and the per-feature expressions in f64x2 lanes, two features at a time,
// with the same operations in the same order (IEEE float64 gives the same bits in either).
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
  for (let n = 0; n < N; n++) {
    const x = inp + <usize>n * rowBytes;
    const y = out + <usize>n * rowBytes;
    let sum: f64 = 0;
    for (let c = 0; c < C; c++) sum += <f64>load<f32>(x + (<usize>c << 2));
    const m = sum / <f64>C;
    let sumSq: f64 = 0;
    for (let c = 0; c < C; c++) {
      const d = <f64>load<f32>(x + (<usize>c << 2)) - m;
      sumSq += d * d;
    }
    const s = 1 / Math.sqrt(sumSq / <f64>C + EPS);
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
}

/** Adds into dinp, dweight, dbias: dx = rstd·(dx̂ − mean(dx̂) − x̂·mean(dx̂·x̂)), dx̂ = dout·w (src/nn/layernorm.ts). */
export function layernormBackward(
  dinp: usize, dweight: usize, dbias: usize, dout: usize, inp: usize,
  weight: usize, mean: usize, rstd: usize, N: i32, C: i32,
): void {
  const rowBytes = <usize>C << 2;
  for (let n = 0; n < N; n++) {
    const x = inp + <usize>n * rowBytes;
    const dy = dout + <usize>n * rowBytes;
    const dx = dinp + <usize>n * rowBytes;
    const m = <f64>load<f32>(mean + (<usize>n << 2));
    const s = <f64>load<f32>(rstd + (<usize>n << 2));
    let dnormMean: f64 = 0;
    let dnormNormMean: f64 = 0;
    for (let c = 0; c < C; c++) {
      const at = <usize>c << 2;
      const norm = (<f64>load<f32>(x + at) - m) * s;
      const dnorm = <f64>load<f32>(weight + at) * <f64>load<f32>(dy + at);
      dnormMean += dnorm;
      dnormNormMean += dnorm * norm;
    }
    dnormMean /= <f64>C;
    dnormNormMean /= <f64>C;
    backwardRow(dx, dweight, dbias, dy, x, weight, m, s, dnormMean, dnormNormMean, C);
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
