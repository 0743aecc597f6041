// Monte Carlo check of the paper's variance analysis (Liu et al. 2020, §3–4, Fig. 3): with gradients
// gᵢ ~ N(0, 1), the adaptive learning rate ψ_t = √((1−β₂ᵗ) / ((1−β₂) Σᵢ β₂^{t−i} gᵢ²)) has a variance
// that is huge (divergent, in fact) in the first steps and shrinks with t. The paper approximates
// Var[ψ_t] ≈ ρ_t / (2(ρ_t−2)(ρ_t−4)) (σ = 1), which gives r_t = √(Var[ψ_∞]/Var[ψ_t]).
import { Rng } from '../base/rng.js';
import { rectification, rhoInf, rhoT } from './rectify.js';

export interface VarianceRow {
  t: number;
  rhoT: number;
  /** Sample variance of ψ_t over the simulated paths. */
  varSim: number;
  /** ρ_t / (2(ρ_t−2)(ρ_t−4)); NaN where ρ_t ≤ 4 (undefined). */
  varApprox: number;
  /** r_t, NaN where ρ_t ≤ 4. */
  rT: number;
  /** √(Var_sim[ψ_∞] / Var_sim[ψ_t]). */
  rSim: number;
}

export interface VarianceOptions {
  beta2: number;
  steps: number;
  samples: number;
  seed: number;
  /** Called after each simulated step t of tInf (for progress displays). */
  onStep?: (t: number, tInf: number) => void;
}

/** The paper's approximation of Var[ψ_t] for σ = 1 (defined for ρ_t > 4). */
export function varianceApprox(rho: number): number {
  return rho > 4 ? rho / (2 * (rho - 2) * (rho - 4)) : NaN;
}

/**
 * Steps simulated for `steps` recorded ones: Var[ψ_∞] is taken at t∞ = max(steps, ⌈10/(1−β₂)⌉), where
 * β₂^t∞ < 5e-5 (β₂^(10/(1−β₂)) ≈ e⁻¹⁰); the paths are simply continued to there.
 */
export function simulatedSteps(beta2: number, steps: number): number {
  return Math.max(steps, Math.ceil(10 / (1 - beta2)));
}

/** Simulate `samples` independent gradient sequences for simulatedSteps(beta2, steps) steps. */
export function simulateVariance(opts: VarianceOptions): { rows: VarianceRow[]; varInf: number; tInf: number } {
  const { beta2, steps, samples, onStep } = opts;
  const rng = new Rng(opts.seed, `variance/beta2=${beta2}`);
  const v = new Float64Array(samples);
  const tInf = simulatedSteps(beta2, steps);
  const oneMinusBeta2 = 1 - beta2;
  const varSim = new Float64Array(steps + 1);
  let varInf = NaN;
  for (let t = 1; t <= tInf; t++) {
    const biasCorrection2 = 1 - Math.pow(beta2, t);
    // accumulate ψ − 1 (E[ψ] ≈ 1 for large t) to keep the sum of squares well conditioned
    let sum = 0;
    let sumSq = 0;
    for (let s = 0; s < samples; s++) {
      const g = rng.normal();
      const vs = beta2 * v[s]! + oneMinusBeta2 * g * g;
      v[s] = vs;
      const d = Math.sqrt(biasCorrection2 / vs) - 1;
      sum += d;
      sumSq += d * d;
    }
    const variance = (sumSq - (sum * sum) / samples) / (samples - 1);
    if (t <= steps) varSim[t] = variance;
    if (t === tInf) varInf = variance;
    onStep?.(t, tInf);
  }
  const rows: VarianceRow[] = [];
  const inf = rhoInf(beta2);
  for (let t = 1; t <= steps; t++) {
    const rho = rhoT(beta2, t);
    rows.push({
      t,
      rhoT: rho,
      varSim: varSim[t]!,
      varApprox: varianceApprox(rho),
      rT: rho > 4 && inf > 4 ? rectification(beta2, t) : NaN,
      rSim: Math.sqrt(varInf / varSim[t]!),
    });
  }
  return { rows, varInf, tInf };
}
