// An optimizer = its spec, its state buffers (carved from the run's arena) and, per step, the pure
// scalars function of its kind (sgd.ts, adam.ts, radam.ts; float64, once per step) followed by ONE
// fused kernel call of the run's kernels (the arena's). `step` refills one StepInfo object that the
// caller reads immediately; the kernels allocate nothing.
import type { Arena } from '../nn/arena.js';
import type { AdamSpec, OptimizerSpec, RAdamSpec, SgdSpec } from '../config/optimizers.js';
import { sgdScalars } from './sgd.js';
import { adamScalars, adaptiveLrStats, biasCorrection, secondMomentScalars } from './adam.js';
import { radamScalars } from './radam.js';
import { rectify, rhoT, type RectifyInfo } from './rectify.js';

export interface StepInfo {
  /** ρ_t (RAdam only; NaN otherwise). */
  rhoT: number;
  /** r_t when the rectified step applied, 0 on un-rectified RAdam steps, NaN for other optimizers. */
  rect: number;
  /** true when the adaptive update was applied (Adam/AdamW except frozen steps; RAdam when rectified). */
  adaptive: boolean;
  /** ‖θ_t − θ_{t−1}‖₂, weight decay included. */
  updateNorm: number;
}

export interface Optimizer {
  readonly kind: OptimizerSpec['kind'];
  /** Update p in place from g at step t (from 1) with learning rate lr (already scheduled). */
  step(p: Float32Array, g: Float32Array, t: number, lr: number): StepInfo;
  /** Mean and CV of √(1−β₂ᵗ)/(√v_t+ε) across coordinates after step t (Adam family only). */
  adaptiveLr?(t: number): { mean: number; cv: number };
}

/** Build the optimizer for `n` parameters, its state taken from `arena` and run by its kernels. */
export function createOptimizer(spec: OptimizerSpec, n: number, arena: Arena): Optimizer {
  return spec.kind === 'sgd' ? sgd(spec, n, arena) : adamFamily(spec, n, arena);
}

function sgd(spec: SgdSpec, n: number, arena: Arena): Optimizer {
  const kernels = arena.kernels;
  const buf = arena.floats(spec.momentum !== 0 ? n : 0);
  const info: StepInfo = { rhoT: NaN, rect: NaN, adaptive: false, updateNorm: 0 };
  const scalars = sgdScalars(spec, 1, 0);
  return {
    kind: 'sgd',
    step(p, g, t, lr) {
      info.updateNorm = Math.sqrt(kernels.sgdStep(p, g, buf, n, sgdScalars(spec, t, lr, scalars)));
      return info;
    },
  };
}

/** Adam, AdamW and RAdam: the same moments (m, v; AMSGrad's vmax) and the same frozen steps. */
function adamFamily(spec: AdamSpec | RAdamSpec, n: number, arena: Arena): Optimizer {
  const kernels = arena.kernels;
  const m = arena.floats(n);
  const v = arena.floats(n);
  const vmax = spec.kind !== 'radam' && spec.amsgrad ? arena.floats(n) : null;
  const info: StepInfo = { rhoT: NaN, rect: NaN, adaptive: false, updateNorm: 0 };
  // each step refills these (the scalars functions write into them): a step allocates nothing
  const frozen = secondMomentScalars(spec);
  const r: RectifyInfo = { rhoT: NaN, rectified: false, rect: 0 };
  const radam = spec.kind === 'radam' ? radamScalars(spec, 1, 0, r) : undefined;
  const adam = spec.kind !== 'radam' ? adamScalars(spec, 1, 0) : undefined;
  return {
    kind: spec.kind,
    step(p, g, t, lr) {
      if (t <= spec.freeze_steps) {
        // The paper's "Adam-2k": v_t moves, m_t and θ stay.
        kernels.secondMomentOnlyStep(p, g, v, vmax, n, frozen);
        if (spec.kind === 'radam') {
          info.rhoT = rhoT(spec.betas[1], t);
          info.rect = 0;
        }
        info.adaptive = false;
        info.updateNorm = 0;
      } else if (spec.kind === 'radam') {
        rectify(spec.betas[1], t, spec.rho_threshold, r);
        info.updateNorm = Math.sqrt(kernels.radamStep(p, g, m, v, n, radamScalars(spec, t, lr, r, radam)));
        info.rhoT = r.rhoT;
        info.rect = r.rect;
        info.adaptive = r.rectified;
      } else {
        info.updateNorm = Math.sqrt(kernels.adamStep(p, g, m, v, vmax, n, adamScalars(spec, t, lr, adam)));
        info.adaptive = true;
      }
      return info;
    },
    adaptiveLr: (t) => adaptiveLrStats(v, n, Math.sqrt(biasCorrection(spec.betas[1], t)), spec.eps),
  };
}
