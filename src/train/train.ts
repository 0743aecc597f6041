// The train loop: one RunSpec → a stream of step and eval records plus a run summary. It knows
// nothing of files, terminals or workers; it reports to a RunSink. `buildRun` and `trainingStep` are
// the run and its step as train() uses them, exported so the benchmark times exactly this step.
import type { EvalSpec, ResolvedExperiment, NamedOptimizer } from '../config/schema.js';
import type { z } from 'zod';
import { Arena } from '../nn/arena.js';
import type { Kernels } from '../nn/kernels.js';
import { buildTask } from '../models/build.js';
import { buildDataset } from '../data/datasets.js';
import { createOptimizer, type Optimizer, type StepInfo } from '../optim/optimizer.js';
import { clipGradNorm, gradNorm } from '../optim/clip.js';
import type { Task } from '../models/task.js';
import { scheduleOf, type LrSchedule } from '../optim/schedule.js';
import { createKernels, type KernelSet } from '../wasm/kernels.js';
import { lossDivergence, updateDivergence } from './divergence.js';
import { Tally, type RunTotals } from './summary.js';
import { testSplit, type TestSplit } from './test-split.js';

/** Everything a run depends on. Its numbers are a function of this object alone. */
export interface RunSpec {
  /** Label used in outputs, e.g. "radam-s0". */
  run: string;
  seed: number;
  optimizer: NamedOptimizer;
  steps: number;
  logEvery: number;
  model: ResolvedExperiment['model'];
  data: ResolvedExperiment['data'];
  eval: z.output<typeof EvalSpec> | undefined;
  /**
   * Which implementation of the kernels (src/nn/kernels.ts: optimizer steps, matmul, LSTM, gradient
   * norm and clipping) the run is built with: the TS reference or the wasm SIMD kernels. They agree to
   * float32 rounding, not bit for bit, so this is part of the spec. Absent: 'js'. The planners fill it
   * ('wasm' by default, where the runtime supports it).
   */
  kernels?: KernelSet;
  /**
   * Threads the run's large products use (wasm kernels only; the JS kernels ignore it). The results do
   * not depend on it (a product is split into row ranges each computed as one thread computes it), so
   * unlike `kernels` it is not part of the spec's identity: run ids and resuming ignore it. Absent: 1.
   * The worker pool fills it (src/run/execute.ts).
   */
  threads?: number;
}

export interface StepRecord {
  step: number;
  /** Loss of the batch used for update `step`, computed before that update. */
  loss: number;
  accuracy: number | undefined;
  lr: number;
  rhoT: number;
  rect: number;
  adaptive: boolean;
  gradNorm: number;
  updateNorm: number;
  /** Mean / coefficient of variation of √(1−β₂ᵗ)/(√v_t+ε) across coordinates (Adam family; else NaN). */
  alrMean: number;
  alrCv: number;
}

/** Validation (or, with eval.test, the whole test set) after `step` updates, i.e. at θ_step. */
export interface EvalRecord {
  step: number;
  split: 'val' | 'test';
  loss: number;
  accuracy: number | undefined;
}

export interface RunSummary extends RunTotals {
  run: string;
  optimizer: string;
  kind: string;
  seed: number;
  params: number;
  info: Record<string, number>;
  wallSeconds: number;
  /** Training steps per second of training time: wall time less the evaluation passes. */
  stepsPerSecond: number;
}

export interface RunSink {
  /** Called for every logged step (the first, every log_every-th and the last). */
  step(record: StepRecord): void;
  eval(record: EvalRecord): void;
  /** Called after every step, for progress displays; cheap, must not allocate. */
  tick(step: number, loss: number): void;
}

/** Everything a run needs, built once from its spec by `buildRun`; `trainingStep` runs one step of it. */
export interface Run {
  spec: RunSpec;
  task: Task;
  optimizer: Optimizer;
  /** The kernels every hot loop of this run goes through (the arena's, which its layers and optimizer hold). */
  readonly kernels: Kernels;
  readonly arena: Arena;
  /** lr_t: the optimizer's schedule over spec.steps. */
  lrAt: LrSchedule;
  /** Loss of step 1, the scale of the explosion test (src/train/divergence.ts); set by step 1. */
  initialLoss: number;
  /** What `trainingStep` returns, refilled every step (no allocation per step). */
  readonly result: StepResult;
  /** The test-set pass, when spec.eval.test is on. */
  readonly test: TestSplit | undefined;
}

/** What one training step measured and did. */
export interface StepResult {
  /** Loss (and accuracy) of batch t at θ_{t−1}. */
  loss: number;
  accuracy: number | undefined;
  /** ‖g_t‖₂ of the raw gradient, before clipping. */
  gradNorm: number;
  lr: number;
  /** The optimizer's report of update t; null when the step stopped before it (diverged loss or gradient). */
  update: StepInfo | null;
  /** Why the run diverged at this step, before or after the update; undefined if it did not. */
  diverged: string | undefined;
}

/**
 * Build a run from its spec: its kernels (spec.kernels, default 'js', on spec.threads threads), dataset,
 * model and optimizer in one arena, and its lr schedule. The dataset is built once, outside Arena.build
 * (whose builder runs twice), so a text file is read and a Markov chain solved once. `kernels` replaces
 * the spec's set for tools that wrap an implementation (tests counting kernel calls); the numbers are
 * then theirs. Whoever builds a run ends it with `run.kernels.dispose?.()` (threads), as train() does.
 */
export function buildRun(spec: RunSpec, kernels: Kernels = createKernels(spec.kernels ?? 'js', spec.threads ?? 1)): Run {
  const built = spec.data ? buildDataset(spec.data, spec.seed) : undefined;
  const test = spec.eval?.test === true ? testSplit(built) : undefined;
  const dataset = test ? test.dataset : built;
  const { value, arena } = Arena.build((arena) => {
    const task = buildTask(spec.model, spec.data, arena, spec.seed, dataset);
    const optimizer = createOptimizer(spec.optimizer, task.params.data.length, arena);
    return { task, optimizer };
  }, kernels);
  const result: StepResult = { loss: NaN, accuracy: undefined, gradNorm: NaN, lr: NaN, update: null, diverged: undefined };
  return { spec, ...value, kernels, arena, lrAt: scheduleOf(spec.optimizer, spec.steps), initialLoss: NaN, result, test };
}

/**
 * One full training step t (from 1), exactly as train() runs it: loss and gradient of batch t, ‖g‖₂,
 * the divergence check (a diverged loss or gradient stops the step before the update), clipping to
 * clip_norm, lr_t from the schedule and the optimizer's update, then the update's divergence check.
 */
export function trainingStep(run: Run, t: number): StepResult {
  const { task, kernels, result: r } = run;
  const { data: p, grad: g } = task.params;
  const n = p.length;
  const { loss, accuracy } = task.trainStep(t);
  if (t === 1) run.initialLoss = loss;
  r.loss = loss;
  r.accuracy = accuracy;
  r.gradNorm = gradNorm(kernels, g, n);
  r.lr = run.lrAt(t);
  r.diverged = lossDivergence(loss, r.gradNorm, run.initialLoss);
  r.update = null;
  if (r.diverged !== undefined) return r;
  clipGradNorm(kernels, g, n, r.gradNorm, run.spec.optimizer.clip_norm);
  r.update = run.optimizer.step(p, g, t, r.lr);
  r.diverged = updateDivergence(r.update.updateNorm);
  return r;
}

/** Train one run, reporting to `sink`: the loop of llm.c's train_gpt2.c, one trainingStep per step. */
export function train(spec: RunSpec, sink: RunSink): RunSummary {
  const started = performance.now();
  const run = buildRun(spec);
  try {
    return trainRun(run, sink, started);
  } finally {
    run.kernels.dispose?.();
  }
}

function trainRun(run: Run, sink: RunSink, started: number): RunSummary {
  const { spec } = run;
  const tally = new Tally(spec.steps);
  let evalSeconds = 0;
  for (let t = 1; t <= spec.steps; t++) {
    const s = trainingStep(run, t);
    if (s.update !== null) tally.updated(t, s.loss, s.accuracy, s.update.adaptive && run.optimizer.kind === 'radam');
    if (s.diverged !== undefined) tally.diverged(t, s.loss, s.diverged);
    // a diverged step is recorded even off the log grid
    if (t === 1 || t % spec.logEvery === 0 || t === spec.steps || s.diverged !== undefined) sink.step(stepRecord(run, t, s));
    sink.tick(t, s.loss);
    if (s.diverged !== undefined) break;
    if (spec.eval && (t % spec.eval.every === 0 || t === spec.steps)) {
      const evalStarted = performance.now();
      evaluate(run, t, tally, sink);
      evalSeconds += (performance.now() - evalStarted) / 1000;
    }
  }
  const wallSeconds = (performance.now() - started) / 1000;
  const trainSeconds = wallSeconds - evalSeconds;
  const totals = tally.totals();
  const { run: name, optimizer, seed } = spec;
  return {
    run: name,
    optimizer: optimizer.name,
    kind: optimizer.kind,
    seed,
    params: run.task.params.data.length,
    ...totals,
    info: run.task.info,
    wallSeconds,
    stepsPerSecond: trainSeconds > 0 ? totals.stepsDone / trainSeconds : NaN,
  };
}

/** The validation pass after step t (models with one), then the test pass (eval.test), told to the tally and the sink. */
function evaluate(run: Run, t: number, tally: Tally, sink: RunSink): void {
  if (!run.spec.eval || !run.task.evaluate) return;
  const r = run.task.evaluate(run.spec.eval.batches);
  tally.evaluated(r.loss, r.accuracy);
  sink.eval({ step: t, split: 'val', loss: r.loss, accuracy: r.accuracy });
  if (run.test === undefined) return;
  const test = run.test.evaluate(run.task);
  tally.tested(test.loss, test.accuracy);
  sink.eval({ step: t, split: 'test', loss: test.loss, accuracy: test.accuracy });
}

/** Step t's trace record. A step stopped before its update holds its loss, gradient norm and lr only. */
function stepRecord(run: Run, t: number, s: StepResult): StepRecord {
  const u = s.update;
  const alr = u !== null && run.optimizer.adaptiveLr ? run.optimizer.adaptiveLr(t) : undefined;
  return {
    step: t,
    loss: s.loss,
    accuracy: s.accuracy,
    lr: s.lr,
    rhoT: u ? u.rhoT : NaN,
    rect: u ? u.rect : NaN,
    adaptive: u ? u.adaptive : false,
    gradNorm: s.gradNorm,
    updateNorm: u ? u.updateNorm : NaN,
    alrMean: alr ? alr.mean : NaN,
    alrCv: alr ? alr.cv : NaN,
  };
}
