// The experiment config: the zod schema is the single source of truth for its types and defaults.
import { z } from 'zod';
import { OptimizerSpec } from './optimizers.js';
import { ModelSpec, acceptedData } from './models.js';
import { DataSpec } from './data.js';
import { SweepSpec, firstRepeated } from './sweep.js';
import { Claim } from './claims.js';
import { quote } from '../base/quote.js';

export const EvalSpec = z
  .strictObject({
    every: z.number().int().positive().describe('evaluate every N steps (and after the last)'),
    batches: z.number().int().positive().max(10_000).default(4).describe('validation batches per evaluation (at most 10⁴)'),
    // optional, not default(false): an absent key keeps the run ids (hashes of the resolved spec) of existing configs
    test: z.boolean().optional().describe('also evaluate every test image at each evaluation (fashion-mnist, mnist): split=test rows and final_test_* (default false)'),
  })
  .describe('validation loss (and accuracy) rows in curves.csv');

const MAX_STEPS = 10_000_000;
/** Training images of the MNIST kinds, which `epochs` counts passes over (src/data/mnist.ts). */
const EPOCH_EXAMPLES = 55_000;

/** Logged steps per run: each is held in memory (about 100 bytes) until the run's CSVs are written. */
const MAX_LOGGED_STEPS = 1_000_000;

const ExperimentFields = z
  .strictObject({
    name: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'letters, digits, "_", "-" or "." (starting with a letter or digit)')
      .describe('experiment name; used in output directory names'),
    description: z.string().optional().describe('free text, copied to the manifest'),
    steps: z.number().int().positive().max(MAX_STEPS).optional().describe('optimizer steps per run (at most 10⁷); or give epochs instead'),
    epochs: z
      .number()
      .positive()
      .optional()
      .describe('instead of steps, for fashion-mnist and mnist: passes over the 55,000 training images (steps = ⌈epochs × 55000 / batch⌉)'),
    seeds: z.array(z.number().int().nonnegative()).min(1).default([0]).describe('one run per optimizer × seed'),
    log_every: z.number().int().positive().default(1).describe('record every N-th step (and the first and last; Adam-family runs also every step of their first ⌈2/(1−β₂)⌉, the rectification window)'),
    model: ModelSpec,
    data: DataSpec.optional().describe('dataset (absent for analytic objectives)'),
    eval: EvalSpec.optional(),
    optimizers: z.array(OptimizerSpec).min(1).describe('optimizers to compare'),
    sweep: SweepSpec.optional(),
    claims: z.array(Claim).optional().describe('statements about the results that `reproduce` checks'),
  });

type ExperimentFields = z.output<typeof ExperimentFields>;

/** The experiment config: its fields, then the rules across fields (messages in this order); epochs become steps. */
export const Experiment = ExperimentFields.superRefine((exp, ctx) => {
  checkSteps(exp, ctx);
  checkOptimizerNames(exp, ctx);
  checkLogEvery(exp, ctx);
  checkSeeds(exp, ctx);
  checkData(exp, ctx);
  checkClaims(exp, ctx);
  checkOptimizerOptions(exp, ctx);
}).transform((exp) => ({ ...exp, steps: runSteps(exp) }));

/** Steps per run: `steps`, or ⌈epochs × 55000 / batch⌉ (0 when neither is given: checkSteps refuses that). */
function runSteps(exp: ExperimentFields): number {
  if (exp.steps !== undefined) return exp.steps;
  if (exp.epochs === undefined || exp.data === undefined) return 0;
  return Math.ceil((exp.epochs * EPOCH_EXAMPLES) / exp.data.batch);
}

/** Exactly one of steps and epochs; epochs only with the MNIST kinds and within the step limit. */
function checkSteps(exp: ExperimentFields, ctx: z.RefinementCtx): void {
  if (exp.steps === undefined && exp.epochs === undefined) {
    ctx.addIssue({ code: 'custom', path: ['steps'], message: 'expected steps (or epochs, for fashion-mnist and mnist data), got neither' });
    return;
  }
  if (exp.epochs === undefined) return;
  if (exp.steps !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['epochs'], message: `expected either steps or epochs, got both (steps ${exp.steps}, epochs ${exp.epochs})` });
  } else if (exp.data?.kind !== 'fashion-mnist' && exp.data?.kind !== 'mnist') {
    ctx.addIssue({
      code: 'custom',
      path: ['epochs'],
      message: `expected epochs only with data.kind "fashion-mnist" or "mnist" (other datasets are endless streams), got ${exp.data === undefined ? 'no dataset' : `"${exp.data.kind}"`}; give steps`,
    });
  } else if (runSteps(exp) > MAX_STEPS) {
    ctx.addIssue({ code: 'custom', path: ['epochs'], message: `expected at most ${MAX_STEPS} steps, got ${runSteps(exp)} (${exp.epochs} epochs of batch ${exp.data.batch})` });
  }
}

/** Optimizer names (defaulting to the kind) are unique. */
function checkOptimizerNames(exp: ExperimentFields, ctx: z.RefinementCtx): void {
  const seen = new Map<string, number>();
  exp.optimizers.forEach((opt, i) => {
    const name = opt.name ?? opt.kind;
    const first = seen.get(name);
    if (first !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['optimizers', i, 'name'],
        message: `expected a unique name, got ${quote(name)} again (also optimizers[${first}]); set \`name\` to tell them apart`,
      });
    } else seen.set(name, i);
  });
}

/** The logged steps of a run fit in memory. */
function checkLogEvery(exp: ExperimentFields, ctx: z.RefinementCtx): void {
  // a run's logged steps are held in memory until it ends (about 100 bytes each)
  const logged = Math.ceil(runSteps(exp) / exp.log_every);
  if (logged > MAX_LOGGED_STEPS) {
    ctx.addIssue({
      code: 'custom',
      path: ['log_every'],
      message: `expected at least ${Math.ceil(runSteps(exp) / MAX_LOGGED_STEPS)} for ${runSteps(exp)} steps (a run logs at most ${MAX_LOGGED_STEPS} steps), got ${exp.log_every}`,
    });
  }
}

/** Seeds are distinct. */
function checkSeeds(exp: ExperimentFields, ctx: z.RefinementCtx): void {
  const repeated = firstRepeated(exp.seeds);
  if (repeated !== undefined) ctx.addIssue({ code: 'custom', path: ['seeds'], message: `expected distinct seeds, got ${repeated} more than once` });
}

/** The dataset (or its absence) and eval section suit the model. */
function checkData(exp: ExperimentFields, ctx: z.RefinementCtx): void {
  const accepted = acceptedData(exp.model.kind);
  if (accepted.length === 0 && exp.data !== undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['data'],
      message: `expected no dataset for the analytic model "${exp.model.kind}", got data.kind "${exp.data.kind}"`,
    });
  }
  if (accepted.length > 0 && (exp.data === undefined || !accepted.includes(exp.data.kind))) {
    ctx.addIssue({
      code: 'custom',
      path: ['data'],
      message: `expected a dataset of kind ${accepted.map((k) => `"${k}"`).join(' or ')} for model "${exp.model.kind}", got ${
        exp.data === undefined ? 'none' : `"${exp.data.kind}"`
      }`,
    });
  }
  if (exp.eval !== undefined && accepted.length === 0) {
    ctx.addIssue({ code: 'custom', path: ['eval'], message: 'expected no eval section for an analytic model (it has no validation data)' });
  }
  if (exp.eval?.test === true && exp.data !== undefined && !TEST_SPLIT_DATA.includes(exp.data.kind)) {
    ctx.addIssue({ code: 'custom', path: ['eval', 'test'], message: `expected a dataset with a test split (fashion-mnist or mnist) for eval.test, got data.kind "${exp.data.kind}"` });
  }
}

/** Dataset kinds with a held-out test set (src/data/mnist.ts fillTest). */
const TEST_SPLIT_DATA: readonly string[] = ['fashion-mnist', 'mnist'];

/** Claims name optimizers of this config and use sweep metrics only with a sweep. */
function checkClaims(exp: ExperimentFields, ctx: z.RefinementCtx): void {
  const names = exp.optimizers.map((o) => o.name ?? o.kind);
  (exp.claims ?? []).forEach((claim, i) => {
    for (const key of ['optimizer', 'better_than'] as const) {
      const name = claim[key];
      if (name !== undefined && !names.includes(name)) {
        ctx.addIssue({ code: 'custom', path: ['claims', i, key], message: `expected one of the optimizers ${names.map((n) => quote(n, 40)).join(', ')}, got ${quote(name)}` });
      }
    }
    if ((claim.metric === 'lr_robustness' || claim.metric === 'lr_spread') && exp.sweep === undefined) {
      ctx.addIssue({ code: 'custom', path: ['claims', i, 'metric'], message: `expected a sweep section for the metric ${claim.metric} (it compares learning rates), got none` });
    }
    if (claim.point !== undefined && exp.sweep === undefined) {
      ctx.addIssue({ code: 'custom', path: ['claims', i, 'point'], message: 'expected no point without a sweep section' });
    }
  });
}

/** Option combinations torch refuses, and warmups that need a β₂. */
function checkOptimizerOptions(exp: ExperimentFields, ctx: z.RefinementCtx): void {
  exp.optimizers.forEach((opt, i) => {
    // torch.optim.SGD refuses these too: Nesterov momentum needs a momentum and zero dampening
    if (opt.kind === 'sgd' && opt.nesterov && (opt.momentum <= 0 || opt.dampening !== 0)) {
      ctx.addIssue({
        code: 'custom',
        path: ['optimizers', i, 'nesterov'],
        message: `expected momentum > 0 and dampening 0 with nesterov (as torch.optim.SGD), got momentum ${opt.momentum} and dampening ${opt.dampening}`,
      });
    }
    const s = opt.schedule;
    if ((s.kind === 'untuned-warmup' || s.kind === 'exp-warmup') && s.beta2 === undefined && opt.kind === 'sgd') {
      ctx.addIssue({
        code: 'custom',
        path: ['optimizers', i, 'schedule', 'beta2'],
        message: `expected a beta2 for ${s.kind} with sgd (it has no β₂ of its own to derive the warmup from)`,
      });
    }
  });
}

export type ExperimentInput = z.input<typeof Experiment>;
type ExperimentParsed = z.output<typeof Experiment>;

/** An optimizer spec with its name resolved (name defaults to kind). */
export type NamedOptimizer = OptimizerSpec & { name: string };

export type ResolvedExperiment = Omit<ExperimentParsed, 'optimizers'> & { optimizers: NamedOptimizer[] };

export function resolveNames(exp: ExperimentParsed): ResolvedExperiment {
  return { ...exp, optimizers: exp.optimizers.map((o) => ({ ...o, name: o.name ?? o.kind })) };
}
