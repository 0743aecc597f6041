// The train loop: one RunSpec → a stream of step and eval records plus a run summary. It knows
// nothing of files, terminals or workers; it reports to a RunSink.
import type { EvalSpec, ResolvedExperiment, NamedOptimizer } from '../config/schema.js';
import type { z } from 'zod';
import { Arena } from '../nn/arena.js';
import { buildTask } from '../models/build.js';
import { buildDataset } from '../data/datasets.js';
import { createOptimizer, type Optimizer } from '../optim/optimizer.js';
import type { Task } from '../models/task.js';
import { makeSchedule } from '../optim/schedule.js';
import type { KernelSet } from '../wasm/kernels.js';
import { lossDivergence, updateDivergence } from './divergence.js';

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
   * Which implementation of the kernels (optimizer steps, matmul, LSTM) runs: the TS reference or the
   * wasm SIMD kernels. They agree to float32 rounding, not bit for bit, so this is part of the spec.
   * Absent: 'js'. The planners fill it ('wasm' by default, where the runtime supports it).
   */
  kernels?: KernelSet;
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

/** Validation after `step` updates, i.e. at θ_step. */
export interface EvalRecord {
  step: number;
  loss: number;
  accuracy: number | undefined;
}

export interface RunSummary {
  run: string;
  optimizer: string;
  kind: string;
  seed: number;
  params: number;
  stepsDone: number;
  /** Mean training loss over the last 10% of the steps done (at least one step). */
  finalLoss: number;
  lastLoss: number;
  bestLoss: number;
  bestStep: number;
  finalValLoss: number | undefined;
  bestValLoss: number | undefined;
  finalValAccuracy: number | undefined;
  finalAccuracy: number | undefined;
  /**
   * First step at which the run diverged (src/train/divergence.ts: non-finite loss or gradient, loss
   * explosion, non-finite update); null if it never did. The run stops there.
   */
  divergedAt: number | null;
  /** Why it diverged at `divergedAt`, e.g. "loss 3.37e4 > 1e4 × initial 2"; null if it never did. */
  divergedReason: string | null;
  /** RAdam: first step that applied the rectified update. */
  firstAdaptiveStep: number | null;
  info: Record<string, number>;
  wallSeconds: number;
  stepsPerSecond: number;
}

export interface RunSink {
  /** Called for every logged step (the first, every log_every-th and the last). */
  step(record: StepRecord): void;
  eval(record: EvalRecord): void;
  /** Called after every step, for progress displays; cheap, must not allocate. */
  tick(step: number, loss: number): void;
}

/**
 * Build a run's dataset, model and optimizer in one arena. The dataset is built once, outside
 * Arena.build (whose builder runs twice), so a text file is read and a Markov chain solved once.
 */
export function buildRun(spec: RunSpec, kernels: KernelSet = spec.kernels ?? 'js'): { task: Task; optimizer: Optimizer; arena: Arena } {
  const dataset = spec.data ? buildDataset(spec.data, spec.seed) : undefined;
  const { value, arena } = Arena.build((arena) => {
    const task = buildTask(spec.model, spec.data, arena, spec.seed, dataset);
    const optimizer = createOptimizer(spec.optimizer, task.params.data.length, arena);
    return { task, optimizer };
  }, kernels);
  return { ...value, arena };
}

export function train(spec: RunSpec, sink: RunSink): RunSummary {
  const started = performance.now();
  const { task, optimizer } = buildRun(spec);
  const { data: p, grad: g } = task.params;
  const n = p.length;
  const lrAt = makeSchedule(spec.optimizer.schedule, spec.optimizer.lr, { totalSteps: spec.steps, beta2: optimizer.beta2 });
  const clipNorm = spec.optimizer.clip_norm;
  const steps = spec.steps;
  const tailStart = steps - Math.max(1, Math.floor(steps / 10)) + 1;

  let tailSum = 0;
  let tailCount = 0;
  let bestLoss = Infinity;
  let bestStep = 0;
  let lastLoss = NaN;
  let lastAccuracy: number | undefined;
  let divergedAt: number | null = null;
  let divergedReason: string | null = null;
  let initialLoss = NaN;
  let firstAdaptiveStep: number | null = null;
  let stepsDone = 0;
  let finalVal: EvalRecord | undefined;
  let bestValLoss: number | undefined;

  const runEval = (step: number): void => {
    if (!spec.eval || !task.evaluate) return;
    const r = task.evaluate(spec.eval.batches);
    const rec: EvalRecord = { step, loss: r.loss, accuracy: r.accuracy };
    finalVal = rec;
    if (Number.isFinite(r.loss) && (bestValLoss === undefined || r.loss < bestValLoss)) bestValLoss = r.loss;
    sink.eval(rec);
  };

  for (let t = 1; t <= steps; t++) {
    const { loss, accuracy } = task.trainStep(t);
    let sumSq = 0;
    for (let i = 0; i < n; i++) sumSq += g[i]! * g[i]!;
    const gradNorm = Math.sqrt(sumSq);
    const logged = t === 1 || t % spec.logEvery === 0 || t === steps;
    if (t === 1) initialLoss = loss;
    const lossReason = lossDivergence(loss, gradNorm, initialLoss);
    if (lossReason !== undefined) {
      // stop before update t: the diverged step's record holds its loss, gradient norm and lr only
      divergedAt = t;
      divergedReason = lossReason;
      lastLoss = loss;
      sink.step(blankRecord(t, loss, accuracy, lrAt(t), gradNorm));
      sink.tick(t, loss);
      break;
    }
    if (clipNorm !== undefined && gradNorm > clipNorm) {
      // torch.nn.utils.clip_grad_norm_: scale by max_norm / (total_norm + 1e-6)
      const scale = clipNorm / (gradNorm + 1e-6);
      for (let i = 0; i < n; i++) g[i] = g[i]! * scale;
    }
    const lr = lrAt(t);
    const info = optimizer.step(p, g, t, lr);
    stepsDone = t;
    lastLoss = loss;
    lastAccuracy = accuracy;
    if (loss < bestLoss) {
      bestLoss = loss;
      bestStep = t;
    }
    if (t >= tailStart) {
      tailSum += loss;
      tailCount++;
    }
    if (info.adaptive && firstAdaptiveStep === null && optimizer.kind === 'radam') firstAdaptiveStep = t;
    // a diverged update's step is recorded even off the log grid, as a diverged loss's is
    const updateReason = updateDivergence(info.updateNorm);
    if (logged || updateReason !== undefined) {
      const alr = optimizer.adaptiveLr ? optimizer.adaptiveLr(t) : undefined;
      sink.step({
        step: t,
        loss,
        accuracy,
        lr,
        rhoT: info.rhoT,
        rect: info.rect,
        adaptive: info.adaptive,
        gradNorm,
        updateNorm: info.updateNorm,
        alrMean: alr ? alr.mean : NaN,
        alrCv: alr ? alr.cv : NaN,
      });
    }
    sink.tick(t, loss);
    if (updateReason !== undefined) {
      divergedAt = t;
      divergedReason = updateReason;
      break;
    }
    if (spec.eval && (t % spec.eval.every === 0 || t === steps)) runEval(t);
  }

  const wallSeconds = (performance.now() - started) / 1000;
  return {
    run: spec.run,
    optimizer: spec.optimizer.name,
    kind: spec.optimizer.kind,
    seed: spec.seed,
    params: n,
    stepsDone,
    finalLoss: divergedAt !== null ? NaN : tailCount > 0 ? tailSum / tailCount : lastLoss,
    lastLoss,
    bestLoss: bestStep > 0 ? bestLoss : NaN,
    bestStep,
    finalValLoss: finalVal?.loss,
    bestValLoss,
    finalValAccuracy: finalVal?.accuracy,
    finalAccuracy: lastAccuracy,
    divergedAt,
    divergedReason,
    firstAdaptiveStep,
    info: task.info,
    wallSeconds,
    stepsPerSecond: wallSeconds > 0 ? stepsDone / wallSeconds : NaN,
  };
}

function blankRecord(step: number, loss: number, accuracy: number | undefined, lr: number, gradNorm: number): StepRecord {
  return { step, loss, accuracy, lr, rhoT: NaN, rect: NaN, adaptive: false, gradNorm, updateNorm: NaN, alrMean: NaN, alrCv: NaN };
}
