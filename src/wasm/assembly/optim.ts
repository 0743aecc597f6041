// f32x4 optimizer steps: the loops of src/optim/{sgd,adam,radam}.ts, same formulas in the same order,
// in float32 (the TS kernels compute each element in float64 and round once when storing). Each
// vector loop handles 4 parameters at a time; the n mod 4 tail runs the same formulas one lane wide.
// Pointers are byte offsets into the run's arena; n counts floats.
//
// Scalars like 1 − β₂ arrive computed in float64 and rounded once: in float32, 1 − 0.999f would be off
// by 1.3e-5 relative (cancellation), far more than float32 rounding of the result.
//
// Σ(θ_t − θ_{t−1})² squares the float32 deltas in float32 lanes, sums them over blocks of BLOCK
// parameters, and the block sums in float64. A call covers one chunk of src/optim/chunks.ts (the
// caller, src/wasm/jobs.ts, adds the chunks' sums in order, whichever thread ran each chunk), so BLOCK
// divides the chunk size and blocks never straddle chunks. Squaring in float64 (promoting every vector) would cost
// ~20% of the step. The price: a square is exact to float32 rounding for 1e-19 ≲ |Δθ| ≲ 1e19 only;
// smaller deltas add 0 (negligible unless every delta is that small) and larger ones give ∞ (a
// diverged run).
const BLOCK = 256;

// The four float32 lanes of `sum` added into the two float64 lanes of `acc`.
@inline
function addLanes(acc: v128, sum: v128): v128 {
  const lo = f64x2.promote_low_f32x4(sum);
  const hi = f64x2.promote_low_f32x4(v128.shuffle<f32>(sum, sum, 2, 3, 0, 1));
  return f64x2.add(acc, f64x2.add(lo, hi));
}

@inline
function square(sum: v128, delta: v128): v128 {
  return f32x4.add(sum, f32x4.mul(delta, delta));
}

@inline
function sumLanes(acc: v128): f64 {
  return f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
}

/** src/optim/sgd.ts `sgdStep`; keep = 1 − dampening. `buf` is unused when momentum = 0. */
export function sgdStep(
  p: usize, g: usize, buf: usize, n: i32,
  lr: f32, momentum: f32, keep: f32, nesterov: bool, weightDecay: f32, firstStep: bool,
): f64 {
  const useMomentum = momentum != 0;
  const vLr = f32x4.splat(lr);
  const vMomentum = f32x4.splat(momentum);
  const vKeep = f32x4.splat(keep);
  const vWd = f32x4.splat(weightDecay);
  let acc = f64x2.splat(0);
  const n4 = n & ~3;
  for (let block = 0; block < n4; block += BLOCK) {
    const end = min(block + BLOCK, n4);
    let blockSum = f32x4.splat(0);
    for (let i = block; i < end; i += 4) {
      const at: usize = <usize>i << 2;
      const old = v128.load(p + at);
      let d = f32x4.add(v128.load(g + at), f32x4.mul(vWd, old));
      if (useMomentum) {
        const b = firstStep ? d : f32x4.add(f32x4.mul(vMomentum, v128.load(buf + at)), f32x4.mul(vKeep, d));
        v128.store(buf + at, b);
        d = nesterov ? f32x4.add(d, f32x4.mul(vMomentum, b)) : b;
      }
      const updated = f32x4.sub(old, f32x4.mul(vLr, d));
      v128.store(p + at, updated);
      blockSum = square(blockSum, f32x4.sub(updated, old));
    }
    acc = addLanes(acc, blockSum);
  }
  let sumSq = sumLanes(acc);
  for (let i = n4; i < n; i++) {
    const at: usize = <usize>i << 2;
    const old = load<f32>(p + at);
    let d: f32 = load<f32>(g + at) + weightDecay * old;
    if (useMomentum) {
      const b: f32 = firstStep ? d : momentum * load<f32>(buf + at) + keep * d;
      store<f32>(buf + at, b);
      d = nesterov ? d + momentum * b : b;
    }
    const updated: f32 = old - lr * d;
    store<f32>(p + at, updated);
    const delta = <f64>(updated - old);
    sumSq += delta * delta;
  }
  return sumSq;
}

/** src/optim/adam.ts `adamStep`; `vmax` = 0 when AMSGrad is off. */
export function adamStep(
  p: usize, g: usize, m: usize, v: usize, vmax: usize, n: i32,
  stepSize: f32, beta1: f32, oneMinusBeta1: f32, beta2: f32, oneMinusBeta2: f32,
  biasCorrection2Sqrt: f32, eps: f32, l2: f32, decayFactor: f32,
): f64 {
  const amsgrad = vmax != 0;
  const vStep = f32x4.splat(stepSize);
  const vBeta1 = f32x4.splat(beta1);
  const vBeta2 = f32x4.splat(beta2);
  const vOneMinusBeta1 = f32x4.splat(oneMinusBeta1);
  const vOneMinusBeta2 = f32x4.splat(oneMinusBeta2);
  // √v/√(1−β₂ᵗ) as a product with the reciprocal: one division per element (the update's) instead of
  // two; division and square root share one slow unit, which bounds this loop, not memory.
  const invBiasCorrection2Sqrt: f32 = <f32>(1 / <f64>biasCorrection2Sqrt);
  const vInvBc2 = f32x4.splat(invBiasCorrection2Sqrt);
  const vEps = f32x4.splat(eps);
  const vL2 = f32x4.splat(l2);
  const vDecay = f32x4.splat(decayFactor);
  let acc = f64x2.splat(0);
  const n4 = n & ~3;
  for (let block = 0; block < n4; block += BLOCK) {
    const end = min(block + BLOCK, n4);
    let blockSum = f32x4.splat(0);
    for (let i = block; i < end; i += 4) {
      const at: usize = <usize>i << 2;
      const old = v128.load(p + at);
      const gi = f32x4.add(v128.load(g + at), f32x4.mul(vL2, old));
      const mi = f32x4.add(f32x4.mul(vBeta1, v128.load(m + at)), f32x4.mul(vOneMinusBeta1, gi));
      const vi = f32x4.add(f32x4.mul(vBeta2, v128.load(v + at)), f32x4.mul(f32x4.mul(vOneMinusBeta2, gi), gi));
      v128.store(m + at, mi);
      v128.store(v + at, vi);
      let vDenom = vi;
      if (amsgrad) {
        vDenom = f32x4.max(v128.load(vmax + at), vDenom);
        v128.store(vmax + at, vDenom);
      }
      const denom = f32x4.add(f32x4.mul(f32x4.sqrt(vDenom), vInvBc2), vEps);
      const updated = f32x4.sub(f32x4.mul(old, vDecay), f32x4.div(f32x4.mul(vStep, mi), denom));
      v128.store(p + at, updated);
      blockSum = square(blockSum, f32x4.sub(updated, old));
    }
    acc = addLanes(acc, blockSum);
  }
  let sumSq = sumLanes(acc);
  for (let i = n4; i < n; i++) {
    const at: usize = <usize>i << 2;
    const old = load<f32>(p + at);
    const gi: f32 = load<f32>(g + at) + l2 * old;
    const mi: f32 = beta1 * load<f32>(m + at) + oneMinusBeta1 * gi;
    const vi: f32 = beta2 * load<f32>(v + at) + oneMinusBeta2 * gi * gi;
    store<f32>(m + at, mi);
    store<f32>(v + at, vi);
    let vDenom = vi;
    if (amsgrad) {
      vDenom = Mathf.max(load<f32>(vmax + at), vDenom);
      store<f32>(vmax + at, vDenom);
    }
    const updated: f32 = old * decayFactor - (stepSize * mi) / (Mathf.sqrt(vDenom) * invBiasCorrection2Sqrt + eps);
    store<f32>(p + at, updated);
    const delta = <f64>(updated - old);
    sumSq += delta * delta;
  }
  return sumSq;
}

/** src/optim/adam.ts `secondMomentOnlyStep` (frozen steps): v and the AMSGrad maximum only. */
export function secondMomentOnlyStep(p: usize, g: usize, v: usize, vmax: usize, n: i32, beta2: f32, oneMinusBeta2: f32, l2: f32): void {
  const amsgrad = vmax != 0;
  const vBeta2 = f32x4.splat(beta2);
  const vOneMinusBeta2 = f32x4.splat(oneMinusBeta2);
  const vL2 = f32x4.splat(l2);
  const n4 = n & ~3;
  for (let i = 0; i < n4; i += 4) {
    const at: usize = <usize>i << 2;
    const gi = f32x4.add(v128.load(g + at), f32x4.mul(vL2, v128.load(p + at)));
    const vi = f32x4.add(f32x4.mul(vBeta2, v128.load(v + at)), f32x4.mul(f32x4.mul(vOneMinusBeta2, gi), gi));
    v128.store(v + at, vi);
    if (amsgrad) v128.store(vmax + at, f32x4.max(v128.load(vmax + at), vi));
  }
  for (let i = n4; i < n; i++) {
    const at: usize = <usize>i << 2;
    const gi: f32 = load<f32>(g + at) + l2 * load<f32>(p + at);
    const vi: f32 = beta2 * load<f32>(v + at) + oneMinusBeta2 * gi * gi;
    store<f32>(v + at, vi);
    if (amsgrad) store<f32>(vmax + at, Mathf.max(load<f32>(vmax + at), vi));
  }
}

/** src/optim/radam.ts `radamStep`. */
export function radamStep(
  p: usize, g: usize, m: usize, v: usize, n: i32,
  stepSize: f32, rectified: bool, beta1: f32, oneMinusBeta1: f32, beta2: f32, oneMinusBeta2: f32,
  eps: f32, l2: f32, decayFactor: f32,
): f64 {
  const vStep = f32x4.splat(stepSize);
  const vBeta1 = f32x4.splat(beta1);
  const vBeta2 = f32x4.splat(beta2);
  const vOneMinusBeta1 = f32x4.splat(oneMinusBeta1);
  const vOneMinusBeta2 = f32x4.splat(oneMinusBeta2);
  const vEps = f32x4.splat(eps);
  const vL2 = f32x4.splat(l2);
  const vDecay = f32x4.splat(decayFactor);
  let acc = f64x2.splat(0);
  const n4 = n & ~3;
  for (let block = 0; block < n4; block += BLOCK) {
    const end = min(block + BLOCK, n4);
    let blockSum = f32x4.splat(0);
    for (let i = block; i < end; i += 4) {
      const at: usize = <usize>i << 2;
      const old = v128.load(p + at);
      const gi = f32x4.add(v128.load(g + at), f32x4.mul(vL2, old));
      const mi = f32x4.add(f32x4.mul(vBeta1, v128.load(m + at)), f32x4.mul(vOneMinusBeta1, gi));
      const vi = f32x4.add(f32x4.mul(vBeta2, v128.load(v + at)), f32x4.mul(f32x4.mul(vOneMinusBeta2, gi), gi));
      v128.store(m + at, mi);
      v128.store(v + at, vi);
      const direction = rectified ? f32x4.div(mi, f32x4.add(f32x4.sqrt(vi), vEps)) : mi;
      const updated = f32x4.sub(f32x4.mul(old, vDecay), f32x4.mul(vStep, direction));
      v128.store(p + at, updated);
      blockSum = square(blockSum, f32x4.sub(updated, old));
    }
    acc = addLanes(acc, blockSum);
  }
  let sumSq = sumLanes(acc);
  for (let i = n4; i < n; i++) {
    const at: usize = <usize>i << 2;
    const old = load<f32>(p + at);
    const gi: f32 = load<f32>(g + at) + l2 * old;
    const mi: f32 = beta1 * load<f32>(m + at) + oneMinusBeta1 * gi;
    const vi: f32 = beta2 * load<f32>(v + at) + oneMinusBeta2 * gi * gi;
    store<f32>(m + at, mi);
    store<f32>(v + at, vi);
    const direction: f32 = rectified ? mi / (Mathf.sqrt(vi) + eps) : mi;
    const updated: f32 = old * decayFactor - stepSize * direction;
    store<f32>(p + at, updated);
    const delta = <f64>(updated - old);
    sumSq += delta * delta;
  }
  return sumSq;
}
