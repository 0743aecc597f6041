// Layer normalisation over the last axis (Ba, Kiros & Hinton 2016), as llm.c's layernorm_forward /
// layernorm_backward: forward keeps mean and rstd = 1/√(var + ε) per row for the backward.
// N = rows, C = features. ε = 1e-5 (PyTorch's default). These loops are the JS kernels'
// (src/nn/kernels.ts) and the reference of the wasm ones (src/wasm/assembly/layernorm.ts, bit for bit).

const EPS = 1e-5;

/** out = (inp − mean)·rstd·weight + bias, row by row; saves mean[N] and rstd[N]. */
export function layernormForward(
  out: Float32Array,
  mean: Float32Array,
  rstd: Float32Array,
  inp: Float32Array,
  weight: Float32Array,
  bias: Float32Array,
  N: number,
  C: number,
): void {
  for (let n = 0; n < N; n++) {
    const row = n * C;
    let sum = 0;
    for (let c = 0; c < C; c++) sum += inp[row + c]!;
    const m = sum / C;
    let sumSq = 0;
    for (let c = 0; c < C; c++) {
      const d = inp[row + c]! - m;
      sumSq += d * d;
    }
    const s = 1 / Math.sqrt(sumSq / C + EPS);
    for (let c = 0; c < C; c++) out[row + c] = (inp[row + c]! - m) * s * weight[c]! + bias[c]!;
    mean[n] = m;
    rstd[n] = s;
  }
}

// With x̂ = (x − μ)·rstd and dx̂ = dout·w:
//   dx = rstd·(dx̂ − mean(dx̂) − x̂·mean(dx̂·x̂))   (the μ and σ paths of the normalisation)
export function layernormBackward(
  dinp: Float32Array,
  dweight: Float32Array,
  dbias: Float32Array,
  dout: Float32Array,
  inp: Float32Array,
  weight: Float32Array,
  mean: Float32Array,
  rstd: Float32Array,
  N: number,
  C: number,
): void {
  for (let n = 0; n < N; n++) {
    const row = n * C;
    const m = mean[n]!;
    const s = rstd[n]!;
    let dnormMean = 0;
    let dnormNormMean = 0;
    for (let c = 0; c < C; c++) {
      const norm = (inp[row + c]! - m) * s;
      const dnorm = weight[c]! * dout[row + c]!;
      dnormMean += dnorm;
      dnormNormMean += dnorm * norm;
    }
    dnormMean /= C;
    dnormNormMean /= C;
    for (let c = 0; c < C; c++) {
      const norm = (inp[row + c]! - m) * s;
      const d = dout[row + c]!;
      const dnorm = weight[c]! * d;
      dbias[c] = dbias[c]! + d;
      dweight[c] = dweight[c]! + norm * d;
      dinp[row + c] = dinp[row + c]! + (dnorm - dnormMean - norm * dnormNormMean) * s;
    }
  }
}
