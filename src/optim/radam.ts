// RAdam, as torch.optim.RAdam (Liu et al., ICLR 2020, Algorithm 2):
//   g'_t = g_t + wd·θ_{t−1}   (L2, default)   or   θ ← θ(1 − lr·wd) first (decoupled_weight_decay)
//   m_t = β₁m_{t−1} + (1−β₁)g'_t,   v_t = β₂v_{t−1} + (1−β₂)g'_t²,   m̂_t = m_t/(1−β₁ᵗ)
//   ρ_t > threshold:  θ_t = θ − lr·r_t·m̂_t·√(1−β₂ᵗ)/(√v_t + ε)
//   otherwise:        θ_t = θ − lr·m̂_t   ("momentum", torch)   or   θ_t = θ   ("skip", official code's
//                     degenerated_to_sgd=False, which then skips the decoupled decay too)
// ε is added to the *uncorrected* √v_t and √(1−β₂ᵗ) multiplies outside, exactly as torch.optim.RAdam
// (and the authors' code); Adam instead adds ε to the corrected √v̂_t. The two agree up to ε's scale.
import type { RAdamSpec } from '../config/optimizers.js';
import type { RAdamScalars } from '../nn/kernels.js';
import { biasCorrection, decoupledDecay, l2Coefficient } from './adam.js';
import type { RectifyInfo } from './rectify.js';
import { SUM_CHUNK } from './chunks.js';

/** The scalars of step t (from 1) at learning rate lr, given that step's rectification `r` (./rectify.ts); written into `out` when given. */
export function radamScalars(spec: RAdamSpec, t: number, lr: number, r: RectifyInfo, out: RAdamScalars = blankRAdamScalars()): RAdamScalars {
  const [beta1, beta2] = spec.betas;
  const biasCorrection1 = biasCorrection(beta1, t);
  const skip = !r.rectified && spec.unrectified === 'skip';
  out.stepSize = r.rectified
    ? (lr * r.rect * Math.sqrt(biasCorrection(beta2, t))) / biasCorrection1
    : skip
      ? 0
      : lr / biasCorrection1;
  out.rectified = r.rectified;
  out.beta1 = beta1;
  out.beta2 = beta2;
  out.eps = spec.eps;
  out.l2 = l2Coefficient(spec);
  out.decayFactor = decoupledDecay(spec) && !skip ? 1 - lr * spec.weight_decay : 1;
  return out;
}

function blankRAdamScalars(): RAdamScalars {
  return { stepSize: 0, rectified: false, beta1: 0, beta2: 0, eps: 0, l2: 0, decayFactor: 0 };
}

/** One RAdam step in place. Returns Σ(θ_t − θ_{t−1})², chunked as ./chunks.ts. */
export function radamStep(p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, n: number, s: RAdamScalars): number {
  let sumSq = 0;
  for (let begin = 0; begin < n; begin += SUM_CHUNK) sumSq += radamChunk(p, g, m, v, begin, Math.min(n, begin + SUM_CHUNK), s);
  return sumSq;
}

/** The RAdam step of parameters [begin, end) (one chunk): their Σ(θ_t − θ_{t−1})², in order. */
function radamChunk(p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, begin: number, end: number, s: RAdamScalars): number {
  const { stepSize, rectified, beta1, beta2, eps, l2, decayFactor } = s;
  const oneMinusBeta1 = 1 - beta1;
  const oneMinusBeta2 = 1 - beta2;
  let sumSq = 0;
  for (let i = begin; i < end; i++) {
    const old = p[i]!;
    const gi = g[i]! + l2 * old;
    m[i] = beta1 * m[i]! + oneMinusBeta1 * gi;
    v[i] = beta2 * v[i]! + oneMinusBeta2 * gi * gi;
    const direction = rectified ? m[i]! / (Math.sqrt(v[i]!) + eps) : m[i]!;
    p[i] = old * decayFactor - stepSize * direction;
    const delta = p[i]! - old;
    sumSq += delta * delta;
  }
  return sumSq;
}
