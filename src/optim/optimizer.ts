// An optimizer = its spec, its state buffers (carved from the run's arena) and one kernel call per
// step. Per-step scalars (bias corrections, ρ_t, r_t) are computed here once, in float64; the kernels
// loop. `step` allocates nothing: it refills one StepInfo object that the caller reads immediately.
// Kernels: the wasm SIMD step (src/wasm) when the arena has wasm kernels and p and g live in its
// memory, else the TS kernel of this folder (the reference; same formulas, float64 per element).
import type { Arena } from '../nn/arena.js';
import type { WasmKernels } from '../wasm/kernels.js';
import type { OptimizerSpec } from '../config/optimizers.js';
import { sgdStep } from './sgd.js';
import { adamStep, adaptiveLrStats, secondMomentOnlyStep } from './adam.js';
import { radamStep } from './radam.js';
import { rectify } from './rectify.js';

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
  /** β₂ for Adam-family optimizers (used by untuned warmups), undefined for SGD. */
  readonly beta2: number | undefined;
  /** Update p in place from g at step t (from 1) with learning rate lr (already scheduled). */
  step(p: Float32Array, g: Float32Array, t: number, lr: number): StepInfo;
  /** Mean and CV of √(1−β₂ᵗ)/(√v_t+ε) across coordinates after step t (Adam family only). */
  adaptiveLr?(t: number): { mean: number; cv: number };
}

/** Build the optimizer for `n` parameters, its state taken from `arena`. */
export function createOptimizer(spec: OptimizerSpec, n: number, arena: Arena): Optimizer {
  switch (spec.kind) {
    case 'sgd':
      return new Sgd(spec, n, arena);
    case 'adam':
    case 'adamw':
      return new Adam(spec, n, arena);
    case 'radam':
      return new RAdam(spec, n, arena);
  }
}

function newInfo(): StepInfo {
  return { rhoT: NaN, rect: NaN, adaptive: false, updateNorm: 0 };
}

/** The arena's wasm kernels if they can run this step (p and g in the arena's memory), else null. */
function wasmFor(wasm: WasmKernels | null, p: Float32Array, g: Float32Array): WasmKernels | null {
  return wasm !== null && wasm.holds(p) && wasm.holds(g) ? wasm : null;
}

class Sgd implements Optimizer {
  readonly kind = 'sgd' as const;
  readonly beta2 = undefined;
  private readonly buf: Float32Array;
  private readonly wasm: WasmKernels | null;
  private readonly info = newInfo();

  constructor(
    private readonly spec: Extract<OptimizerSpec, { kind: 'sgd' }>,
    private readonly n: number,
    arena: Arena,
  ) {
    this.buf = arena.floats(spec.momentum !== 0 ? n : 0);
    this.wasm = arena.wasm;
  }

  step(p: Float32Array, g: Float32Array, t: number, lr: number): StepInfo {
    const s = this.spec;
    const wasm = wasmFor(this.wasm, p, g);
    const sumSq = wasm
      ? wasm.sgdStep(p, g, this.buf, this.n, lr, s.momentum, s.dampening, s.nesterov, s.weight_decay, t === 1)
      : sgdStep(p, g, this.buf, this.n, {
          lr,
          momentum: s.momentum,
          dampening: s.dampening,
          nesterov: s.nesterov,
          weightDecay: s.weight_decay,
          firstStep: t === 1,
        });
    this.info.updateNorm = Math.sqrt(sumSq);
    return this.info;
  }
}

class Adam implements Optimizer {
  readonly kind: 'adam' | 'adamw';
  readonly beta2: number;
  private readonly m: Float32Array;
  private readonly v: Float32Array;
  private readonly vmax: Float32Array | null;
  private readonly wasm: WasmKernels | null;
  private readonly info = newInfo();

  constructor(
    private readonly spec: Extract<OptimizerSpec, { kind: 'adam' | 'adamw' }>,
    private readonly n: number,
    arena: Arena,
  ) {
    this.kind = spec.kind;
    this.beta2 = spec.betas[1];
    this.m = arena.floats(n);
    this.v = arena.floats(n);
    this.vmax = spec.amsgrad ? arena.floats(n) : null;
    this.wasm = arena.wasm;
  }

  step(p: Float32Array, g: Float32Array, t: number, lr: number): StepInfo {
    const s = this.spec;
    const [beta1, beta2] = s.betas;
    const decoupled = s.kind === 'adamw';
    const l2 = decoupled ? 0 : s.weight_decay;
    const wasm = wasmFor(this.wasm, p, g);
    if (t <= s.freeze_steps) {
      if (wasm) wasm.secondMomentOnlyStep(p, g, this.v, this.vmax, this.n, beta2, l2);
      else secondMomentOnlyStep(p, g, this.v, this.vmax, this.n, beta2, l2);
      this.info.adaptive = false;
      this.info.updateNorm = 0;
      return this.info;
    }
    const biasCorrection1 = 1 - Math.pow(beta1, t);
    const biasCorrection2 = 1 - Math.pow(beta2, t);
    const stepSize = lr / biasCorrection1;
    const biasCorrection2Sqrt = Math.sqrt(biasCorrection2);
    const decayFactor = decoupled ? 1 - lr * s.weight_decay : 1;
    const sumSq = wasm
      ? wasm.adamStep(p, g, this.m, this.v, this.vmax, this.n, stepSize, beta1, beta2, biasCorrection2Sqrt, s.eps, l2, decayFactor)
      : adamStep(p, g, this.m, this.v, this.vmax, this.n, { stepSize, beta1, beta2, biasCorrection2Sqrt, eps: s.eps, l2, decayFactor });
    this.info.adaptive = true;
    this.info.updateNorm = Math.sqrt(sumSq);
    return this.info;
  }

  adaptiveLr(t: number): { mean: number; cv: number } {
    return adaptiveLrStats(this.v, this.n, Math.sqrt(1 - Math.pow(this.spec.betas[1], t)), this.spec.eps);
  }
}

class RAdam implements Optimizer {
  readonly kind = 'radam' as const;
  readonly beta2: number;
  private readonly m: Float32Array;
  private readonly v: Float32Array;
  private readonly wasm: WasmKernels | null;
  private readonly info = newInfo();

  constructor(
    private readonly spec: Extract<OptimizerSpec, { kind: 'radam' }>,
    private readonly n: number,
    arena: Arena,
  ) {
    this.beta2 = spec.betas[1];
    this.m = arena.floats(n);
    this.v = arena.floats(n);
    this.wasm = arena.wasm;
  }

  step(p: Float32Array, g: Float32Array, t: number, lr: number): StepInfo {
    const s = this.spec;
    const [beta1, beta2] = s.betas;
    const l2 = s.decoupled_weight_decay ? 0 : s.weight_decay;
    const info = this.info;
    const wasm = wasmFor(this.wasm, p, g);
    if (t <= s.freeze_steps) {
      if (wasm) wasm.secondMomentOnlyStep(p, g, this.v, null, this.n, beta2, l2);
      else secondMomentOnlyStep(p, g, this.v, null, this.n, beta2, l2);
      const { rhoT } = rectify(beta2, t, s.rho_threshold);
      info.rhoT = rhoT;
      info.rect = 0;
      info.adaptive = false;
      info.updateNorm = 0;
      return info;
    }
    const biasCorrection1 = 1 - Math.pow(beta1, t);
    const biasCorrection2 = 1 - Math.pow(beta2, t);
    const r = rectify(beta2, t, s.rho_threshold);
    const skip = !r.rectified && s.unrectified === 'skip';
    const stepSize = r.rectified
      ? (lr * r.rect * Math.sqrt(biasCorrection2)) / biasCorrection1
      : skip
        ? 0
        : lr / biasCorrection1;
    const decayFactor = s.decoupled_weight_decay && !skip ? 1 - lr * s.weight_decay : 1;
    const sumSq = wasm
      ? wasm.radamStep(p, g, this.m, this.v, this.n, stepSize, r.rectified, beta1, beta2, s.eps, l2, decayFactor)
      : radamStep(p, g, this.m, this.v, this.n, { stepSize, rectified: r.rectified, beta1, beta2, eps: s.eps, l2, decayFactor });
    info.rhoT = r.rhoT;
    info.rect = r.rect;
    info.adaptive = r.rectified;
    info.updateNorm = Math.sqrt(sumSq);
    return info;
  }

  adaptiveLr(t: number): { mean: number; cv: number } {
    return adaptiveLrStats(this.v, this.n, Math.sqrt(1 - Math.pow(this.spec.betas[1], t)), this.spec.eps);
  }
}
