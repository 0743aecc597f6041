// The protocol between the main thread and training workers.
import type { EvalRecord, RunSpec, RunSummary, StepRecord } from '../train/train.js';

export type ToWorker = { type: 'run'; index: number; spec: RunSpec } | { type: 'exit' };

export type FromWorker =
  | { type: 'records'; index: number; steps: StepRecord[]; evals: EvalRecord[] }
  | { type: 'tick'; index: number; step: number; loss: number }
  | { type: 'done'; index: number; summary: RunSummary }
  | { type: 'error'; index: number; message: string; stack: string | undefined; configError: boolean };
