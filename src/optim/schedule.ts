// Learning-rate schedules: lr_t = ω_t · decay_t(lr), with t counting optimizer steps from 1.
// Warmups (ω_t) compose with an optional decay by multiplication; a schedule knows nothing of the
// optimizer except β₂, which the untuned warmups of Ma & Yarats (2021) derive their length from.
import type { OptimizerSpec, Schedule } from '../config/optimizers.js';

export type LrSchedule = (t: number) => number;

export interface ScheduleContext {
  /** Run length; the default period of `cosine`. */
  totalSteps: number;
  /** The optimizer's β₂ (undefined for SGD); used by untuned and exponential warmup. */
  beta2: number | undefined;
}

/** An optimizer's lr_t over a run of `totalSteps`: its schedule at its lr, β₂ read from its betas. */
export function scheduleOf(optimizer: OptimizerSpec, totalSteps: number): LrSchedule {
  const beta2 = optimizer.kind === 'sgd' ? undefined : optimizer.betas[1];
  return makeSchedule(optimizer.schedule, optimizer.lr, { totalSteps, beta2 });
}

/** Compile a schedule spec into lr_t for a base learning rate. */
export function makeSchedule(spec: Schedule, baseLr: number, ctx: ScheduleContext): LrSchedule {
  switch (spec.kind) {
    case 'constant':
      return () => baseLr;
    case 'cosine': {
      const period = spec.total_steps ?? ctx.totalSteps;
      const minLr = spec.min_lr;
      // progress (t−1)/T so that step 1 uses the full lr (torch's CosineAnnealingLR at epoch 0)
      return (t) => minLr + (baseLr - minLr) * 0.5 * (1 + Math.cos((Math.PI * Math.min(t - 1, period)) / period));
    }
    case 'step':
      return (t) => baseLr * Math.pow(spec.gamma, Math.floor((t - 1) / spec.every));
    case 'linear-warmup':
    case 'untuned-warmup':
    case 'exp-warmup': {
      const warmup = warmupFactor(spec, ctx);
      const decay = spec.decay ? makeSchedule(spec.decay, baseLr, ctx) : () => baseLr;
      return (t) => warmup(t) * decay(t);
    }
  }
}

type Warmup = Extract<Schedule, { kind: 'linear-warmup' | 'untuned-warmup' | 'exp-warmup' }>;

function warmupFactor(spec: Warmup, ctx: ScheduleContext): (t: number) => number {
  if (spec.kind === 'linear-warmup') return (t) => Math.min(1, t / spec.steps);
  const beta2 = spec.beta2 ?? ctx.beta2;
  if (beta2 === undefined) throw new Error(`${spec.kind} needs β₂ (the schema requires it for sgd)`);
  const rate = 1 - beta2;
  // untuned linear: ω_t = min(1, t(1−β₂)/2), reaching 1 after 2/(1−β₂) steps
  if (spec.kind === 'untuned-warmup') return (t) => Math.min(1, (t * rate) / 2);
  // untuned exponential: ω_t = 1 − exp(−(1−β₂)t)
  return (t) => 1 - Math.exp(-rate * t);
}
