// Adam / AdamW (and AMSGrad), as torch.optim.Adam and torch.optim.AdamW:
//   g'_t = g_t + wd_L2·θ_{t−1}                       (Adam's weight_decay: L2 into the gradient)
//   m_t = β₁m_{t−1} + (1−β₁)g'_t,   v_t = β₂v_{t−1} + (1−β₂)g'_t²
//   θ_t = θ_{t−1}(1 − lr·wd_decoupled) − (lr/(1−β₁ᵗ))·m_t / (√v_t/√(1−β₂ᵗ) + ε)
// i.e. lr·m̂_t/(√v̂_t + ε): ε is added to the bias-corrected √v̂_t (torch), unlike RAdam below.
// With amsgrad, v_t in the denominator is replaced by max_{s≤t} v_s.
// AdamW is this optimizer with decoupled decay (wd_decoupled = weight_decay, wd_L2 = 0); Adam has
// wd_L2 = weight_decay, wd_decoupled = 0. RAdam (./radam.ts) shares the decay options and the
// frozen step.
import type { AdamSpec, RAdamSpec } from '../config/optimizers.js';
import type { AdamScalars, SecondMomentScalars } from '../nn/kernels.js';
import { SUM_CHUNK } from './chunks.js';

/** 1 − βᵗ, the bias correction of a moment with decay β after t steps. */
export function biasCorrection(beta: number, t: number): number {
  return 1 - Math.pow(beta, t);
}

/** true when weight decay is decoupled (θ ← θ(1 − lr·wd), AdamW), false when it is L2 in the gradient. */
export function decoupledDecay(spec: AdamSpec | RAdamSpec): boolean {
  return spec.kind === 'radam' ? spec.decoupled_weight_decay : spec.kind === 'adamw';
}

/** wd_L2, the coefficient of θ added to the gradient: weight_decay unless decay is decoupled. */
export function l2Coefficient(spec: AdamSpec | RAdamSpec): number {
  return decoupledDecay(spec) ? 0 : spec.weight_decay;
}

/** The scalars of step t (from 1) at learning rate lr; written into `out` when given (an optimizer refills its own, so a step allocates nothing). */
export function adamScalars(spec: AdamSpec, t: number, lr: number, out: AdamScalars = blankAdamScalars()): AdamScalars {
  const [beta1, beta2] = spec.betas;
  out.stepSize = lr / biasCorrection(beta1, t);
  out.beta1 = beta1;
  out.beta2 = beta2;
  out.biasCorrection2Sqrt = Math.sqrt(biasCorrection(beta2, t));
  out.eps = spec.eps;
  out.l2 = l2Coefficient(spec);
  out.decayFactor = decoupledDecay(spec) ? 1 - lr * spec.weight_decay : 1;
  return out;
}

function blankAdamScalars(): AdamScalars {
  return { stepSize: 0, beta1: 0, beta2: 0, biasCorrection2Sqrt: 0, eps: 0, l2: 0, decayFactor: 0 };
}

/** The scalars of a frozen step (t ≤ freeze_steps), Adam's or RAdam's. */
export function secondMomentScalars(spec: AdamSpec | RAdamSpec): SecondMomentScalars {
  return { beta2: spec.betas[1], l2: l2Coefficient(spec) };
}

/** One Adam step in place; `vmax` is the AMSGrad buffer or null. Returns Σ(θ_t − θ_{t−1})², chunked as ./chunks.ts. */
export function adamStep(p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, vmax: Float32Array | null, n: number, s: AdamScalars): number {
  let sumSq = 0;
  for (let begin = 0; begin < n; begin += SUM_CHUNK) sumSq += adamChunk(p, g, m, v, vmax, begin, Math.min(n, begin + SUM_CHUNK), s);
  return sumSq;
}

/** The Adam step of parameters [begin, end) (one chunk): their Σ(θ_t − θ_{t−1})², in order. */
function adamChunk(
  p: Float32Array,
  g: Float32Array,
  m: Float32Array,
  v: Float32Array,
  vmax: Float32Array | null,
  begin: number,
  end: number,
  s: AdamScalars,
): number {
  const { stepSize, beta1, beta2, biasCorrection2Sqrt, eps, l2, decayFactor } = s;
  const oneMinusBeta1 = 1 - beta1;
  const oneMinusBeta2 = 1 - beta2;
  let sumSq = 0;
  for (let i = begin; i < end; i++) {
    const old = p[i]!;
    const gi = g[i]! + l2 * old;
    const mi = beta1 * m[i]! + oneMinusBeta1 * gi;
    const vi = beta2 * v[i]! + oneMinusBeta2 * gi * gi;
    m[i] = mi;
    v[i] = vi;
    let vDenom = v[i]!;
    if (vmax !== null) {
      vDenom = Math.max(vmax[i]!, vDenom);
      vmax[i] = vDenom;
    }
    p[i] = old * decayFactor - (stepSize * m[i]!) / (Math.sqrt(vDenom) / biasCorrection2Sqrt + eps);
    const delta = p[i]! - old;
    sumSq += delta * delta;
  }
  return sumSq;
}

/**
 * A frozen step of the paper's "Adam-2k" ablation: only the second moment is updated
 * (v_t = β₂v_{t−1} + (1−β₂)g'_t², and the AMSGrad maximum with it); m_t and θ stay as they are.
 */
export function secondMomentOnlyStep(
  p: Float32Array,
  g: Float32Array,
  v: Float32Array,
  vmax: Float32Array | null,
  n: number,
  s: SecondMomentScalars,
): void {
  const { beta2, l2 } = s;
  const oneMinusBeta2 = 1 - beta2;
  for (let i = 0; i < n; i++) {
    const gi = g[i]! + l2 * p[i]!;
    v[i] = beta2 * v[i]! + oneMinusBeta2 * gi * gi;
    if (vmax !== null) vmax[i] = Math.max(vmax[i]!, v[i]!);
  }
}

/**
 * Mean and coefficient of variation, across coordinates, of the per-coordinate adaptive learning
 * rate ψ_i = √(1−β₂ᵗ)/(√v_i + ε) — the quantity whose early-step variance the RAdam paper studies.
 */
export function adaptiveLrStats(v: Float32Array, n: number, biasCorrection2Sqrt: number, eps: number): { mean: number; cv: number } {
  let sum = 0;
  let sumSq = 0;
  for (let i = 0; i < n; i++) {
    const psi = biasCorrection2Sqrt / (Math.sqrt(v[i]!) + eps);
    sum += psi;
    sumSq += psi * psi;
  }
  const mean = sum / n;
  const variance = Math.max(0, sumSq / n - mean * mean);
  return { mean, cv: mean === 0 || !Number.isFinite(mean) ? NaN : Math.sqrt(variance) / mean };
}
