// RAdam, as torch.optim.RAdam (Liu et al., ICLR 2020, Algorithm 2):
//   g'_t = g_t + wd·θ_{t−1}   (L2, default)   or   θ ← θ(1 − lr·wd) first (decoupled_weight_decay)
//   m_t = β₁m_{t−1} + (1−β₁)g'_t,   v_t = β₂v_{t−1} + (1−β₂)g'_t²,   m̂_t = m_t/(1−β₁ᵗ)
//   ρ_t > threshold:  θ_t = θ − lr·r_t·m̂_t·√(1−β₂ᵗ)/(√v_t + ε)
//   otherwise:        θ_t = θ − lr·m̂_t   ("momentum", torch)   or   θ_t = θ   ("skip", official code's
//                     degenerated_to_sgd=False, which then skips the decoupled decay too)
// ε is added to the *uncorrected* √v_t and √(1−β₂ᵗ) multiplies outside, exactly as torch.optim.RAdam
// (and the authors' code); Adam instead adds ε to the corrected √v̂_t. The two agree up to ε's scale.

export interface RAdamScalars {
  /** lr·r_t/(1−β₁ᵗ)·√(1−β₂ᵗ) when rectified; lr/(1−β₁ᵗ) for the momentum-only step; 0 for skip. */
  stepSize: number;
  /** true: adaptive (rectified) step; false: un-rectified step (momentum-only or skip). */
  rectified: boolean;
  beta1: number;
  beta2: number;
  eps: number;
  l2: number;
  /** 1 − lr·wd under decoupled decay, else 1 (and 1 on skipped steps). */
  decayFactor: number;
}

/** One RAdam step in place. Returns Σ(θ_t − θ_{t−1})². */
export function radamStep(p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, n: number, s: RAdamScalars): number {
  const { stepSize, rectified, beta1, beta2, eps, l2, decayFactor } = s;
  const oneMinusBeta1 = 1 - beta1;
  const oneMinusBeta2 = 1 - beta2;
  let sumSq = 0;
  for (let i = 0; i < n; i++) {
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
