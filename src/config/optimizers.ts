// zod schemas for optimizers and learning-rate schedules: the single source of truth for their
// option names, types and defaults (defaults follow torch.optim). `list` and error messages are
// generated from these.
import { z } from 'zod';

const positive = z.number().positive();
const nonNegative = z.number().nonnegative();
const beta = z.number().min(0).lt(1);
const stepCount = z.number().int().positive();

// ---- schedules -------------------------------------------------------------------------------

/** Decays: multiply onto the base lr; also usable on their own. */
export const CosineSchedule = z
  .strictObject({
    kind: z.literal('cosine'),
    total_steps: stepCount.optional().describe('length of one cosine half-period (default: the run length)'),
    min_lr: nonNegative.default(0).describe('lr at the end of the period (reached at step T+1, kept after it)'),
  })
  .describe('cosine annealing: lr_t = min_lr + (lr − min_lr)·½(1 + cos(π·min(t−1, T)/T))');

const StepSchedule = z
  .strictObject({
    kind: z.literal('step'),
    every: stepCount.describe('decay interval in steps'),
    gamma: positive.default(0.1).describe('multiplicative factor per interval'),
  })
  .describe('step decay: lr_t = lr·γ^⌊(t−1)/every⌋');

const ConstantSchedule = z.strictObject({ kind: z.literal('constant') }).describe('lr_t = lr');

const Decay = z.discriminatedUnion('kind', [ConstantSchedule, CosineSchedule, StepSchedule]);

const LinearWarmup = z
  .strictObject({
    kind: z.literal('linear-warmup'),
    steps: stepCount.describe('warmup length'),
    decay: Decay.optional().describe('a decay schedule multiplied onto the warmup'),
  })
  .describe('linear warmup: ω_t = min(1, t/steps)');

const UntunedWarmup = z
  .strictObject({
    kind: z.literal('untuned-warmup'),
    beta2: beta.optional().describe("β₂ to derive the length from (default: the optimizer's)"),
    decay: Decay.optional().describe('a decay schedule multiplied onto the warmup'),
  })
  .describe('Ma & Yarats untuned linear warmup: ω_t = min(1, t·(1−β₂)/2), i.e. over 2/(1−β₂) steps');

const ExpWarmup = z
  .strictObject({
    kind: z.literal('exp-warmup'),
    beta2: beta.optional().describe("β₂ of the rate (default: the optimizer's)"),
    decay: Decay.optional().describe('a decay schedule multiplied onto the warmup'),
  })
  .describe('Ma & Yarats untuned exponential warmup: ω_t = 1 − exp(−(1−β₂)·t)');

export const Schedule = z.discriminatedUnion('kind', [
  ConstantSchedule,
  LinearWarmup,
  UntunedWarmup,
  ExpWarmup,
  CosineSchedule,
  StepSchedule,
]);
export type Schedule = z.output<typeof Schedule>;

// ---- optimizers ------------------------------------------------------------------------------

const common = {
  name: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'letters, digits, "_", "-" or "." (starting with a letter or digit)')
    .optional()
    .describe('label in outputs; unique; default: the kind'),
  lr: positive.default(1e-3).describe('base learning rate'),
  clip_norm: positive.optional().describe('clip the global gradient norm to this value'),
  schedule: Schedule.default({ kind: 'constant' }).describe('learning-rate schedule'),
};

const adamFamily = {
  betas: z.tuple([beta, beta]).default([0.9, 0.999]).describe('[β₁, β₂]'),
  eps: nonNegative.default(1e-8).describe('ε'),
  freeze_steps: z
    .number()
    .int()
    .nonnegative()
    .default(0)
    .describe('"Adam-2k": for the first k steps update only v_t (m_t and θ stay fixed)'),
};

const Sgd = z
  .strictObject({
    kind: z.literal('sgd'),
    ...common,
    momentum: nonNegative.default(0),
    dampening: nonNegative.default(0),
    nesterov: z.boolean().default(false),
    weight_decay: nonNegative.default(0).describe('L2 penalty added to the gradient'),
  })
  .describe('SGD with momentum, as torch.optim.SGD');

/**
 * Adam's options. AdamW is the same optimizer with decoupled decay: it differs only in what
 * `weight_decay` means and its default (src/optim/adam.ts `decoupledDecay`).
 */
function adamOptions<K extends 'adam' | 'adamw'>(kind: K, weightDecay: z.ZodDefault<z.ZodNumber>) {
  return z.strictObject({
    kind: z.literal(kind),
    ...common,
    ...adamFamily,
    weight_decay: weightDecay,
    amsgrad: z.boolean().default(false),
  });
}

export const Adam = adamOptions('adam', nonNegative.default(0).describe('L2 penalty added to the gradient')).describe(
  'Adam, as torch.optim.Adam',
);

export const AdamW = adamOptions(
  'adamw',
  nonNegative.default(0.01).describe('decoupled decay: θ ← θ(1 − lr·wd) before the step'),
).describe('AdamW (decoupled weight decay), as torch.optim.AdamW');

export const RAdam = z
  .strictObject({
    kind: z.literal('radam'),
    ...common,
    ...adamFamily,
    weight_decay: nonNegative.default(0),
    decoupled_weight_decay: z.boolean().default(false).describe('AdamW-style decay instead of L2'),
    rho_threshold: z
      .number()
      .min(4)
      .default(5)
      .describe('rectify when ρ_t > threshold (5 as torch.optim; 4 as printed in the paper; ≥ 4 so that r_t is defined)'),
    unrectified: z
      .enum(['momentum', 'skip'])
      .default('momentum')
      .describe('below the threshold: "momentum" θ ← θ − lr·m̂_t (torch), "skip" no update'),
  })
  .describe('Rectified Adam (Liu et al., ICLR 2020), as torch.optim.RAdam');

export const OptimizerSpec = z.discriminatedUnion('kind', [Sgd, Adam, AdamW, RAdam]);
export type OptimizerSpec = z.output<typeof OptimizerSpec>;
export type SgdSpec = z.output<typeof Sgd>;
/** Adam or AdamW: one optimizer (src/optim/adam.ts), the kind says how weight decay applies. */
export type AdamSpec = z.output<typeof Adam> | z.output<typeof AdamW>;
export type RAdamSpec = z.output<typeof RAdam>;
