// What running a RunSpec yields: its records and summary as they come back from a worker (RunResult),
// and the events a display hears while runs are in flight (RunEvents). The writers of the output files
// and the progress displays both take these, so neither needs the code that runs the workers.
import type { EvalRecord, RunSpec, RunSummary, StepRecord } from '../train/train.js';

export interface RunResult {
  spec: RunSpec;
  steps: StepRecord[];
  evals: EvalRecord[];
  summary: RunSummary | undefined;
  /** Set when the run crashed (a bug or a data error), not when it diverged. */
  error: string | undefined;
}

/** Events for progress displays; all optional. */
export interface RunEvents {
  started?(index: number, spec: RunSpec): void;
  /** Records of a run as they arrive from its worker, in order (batches: up to 500, or ~1 s worth). */
  records?(index: number, steps: StepRecord[], evals: EvalRecord[]): void;
  progress?(index: number, step: number, loss: number): void;
  finished?(index: number, result: RunResult): void;
}
