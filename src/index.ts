// The programmatic API of radam-run: load a config, plan and run sweeps or comparisons, and use the
// optimizer core directly.
export { loadExperiment as loadConfig, loadExperiment, validateExperiment, type LoadedExperiment, type Overrides } from './config/load.js';
export { ConfigError } from './base/errors.js';
export type { ResolvedExperiment, ExperimentInput } from './config/schema.js';
export { Experiment } from './config/schema.js';
export { OptimizerSpec } from './config/optimizers.js';
export { planRuns, shardRuns, parseShard, type PlannedRun, type SweepPlan, type Shard } from './run/sweep-plan.js';
export { runSweep, type SweepOptions, type SweepResult, type SweepEvents } from './run/sweep.js';
export { mergeSweeps, type MergeResult } from './run/merge.js';
export { runCompare, type CompareOptions, type CompareResult } from './run/compare.js';
export { planCompare } from './run/plan.js';
export { executeRuns } from './run/execute.js';
export type { RunResult, RunEvents } from './results/run-result.js';
export { train, buildRun, trainingStep, type Run, type StepResult, type RunSpec, type RunSummary, type StepRecord, type EvalRecord } from './train/train.js';
export { createOptimizer, type Optimizer, type StepInfo } from './optim/optimizer.js';
export { Arena, type ParamSet } from './nn/arena.js';
export type { Kernels } from './nn/kernels.js';
export { createKernels, type KernelSet } from './wasm/kernels.js';
export { rhoInf, rhoT, rectification, rectify, firstRectifiedStep } from './optim/rectify.js';
export { makeSchedule } from './optim/schedule.js';
export type { SweepAggregate, PointRow, RobustnessRow } from './results/aggregate.js';
