// RAdam's variance rectification in closed form (Liu et al., ICLR 2020, Algorithm 2 and eq. 6–8).
// Scalars only, computed once per step in float64; no arrays here.

/** ρ_∞ = 2/(1−β₂) − 1, the maximum length of the approximated simple moving average. */
export function rhoInf(beta2: number): number {
  return 2 / (1 - beta2) - 1;
}

/** ρ_t = ρ_∞ − 2tβ₂ᵗ/(1−β₂ᵗ)  (paper eq. 6); t counts from 1. */
export function rhoT(beta2: number, t: number): number {
  const beta2PowT = Math.pow(beta2, t);
  return rhoInf(beta2) - (2 * t * beta2PowT) / (1 - beta2PowT);
}

/**
 * r_t = √((ρ_t−4)(ρ_t−2)ρ_∞ / ((ρ_∞−4)(ρ_∞−2)ρ_t))  (paper eq. 8). Only defined for ρ_t > 4; callers
 * apply it only above the threshold (≥ 4), so a NaN here would be a bug, not an input error.
 */
export function rectification(beta2: number, t: number): number {
  return rectificationOf(rhoT(beta2, t), rhoInf(beta2));
}

/** r_t of eq. 8 from ρ_t and ρ_∞ already computed. */
function rectificationOf(rho: number, inf: number): number {
  return Math.sqrt(((rho - 4) * (rho - 2) * inf) / ((inf - 4) * (inf - 2) * rho));
}

export interface RectifyInfo {
  rhoT: number;
  /** true when ρ_t > threshold and the rectified adaptive step applies. */
  rectified: boolean;
  /** r_t when rectified, else 0 (the trace contract). */
  rect: number;
}

/** The per-step decision of RAdam: rectify when ρ_t > threshold (torch: 5; the paper prints 4). ρ_t is computed once; written into `out` when given. */
export function rectify(beta2: number, t: number, threshold: number, out: RectifyInfo = { rhoT: 0, rectified: false, rect: 0 }): RectifyInfo {
  const rho = rhoT(beta2, t);
  out.rhoT = rho;
  out.rectified = rho > threshold;
  out.rect = out.rectified ? rectificationOf(rho, rhoInf(beta2)) : 0;
  return out;
}

/** The first step t at which ρ_t > threshold (ρ_t is increasing in t), or null if never. */
export function firstRectifiedStep(beta2: number, threshold: number, maxSteps = 1_000_000): number | null {
  if (threshold >= rhoInf(beta2)) return null;
  for (let t = 1; t <= maxSteps; t++) if (rhoT(beta2, t) > threshold) return t;
  return null;
}
