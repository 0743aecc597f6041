// What the train loop sees of a model and its data: a flat parameter set, a training step that fills
// the gradient, and (for neural models) a validation pass. Built once per run from its spec, inside
// the run's arena; zero allocation per step in steady state.
import type { ParamSet } from '../nn/arena.js';

export interface LossResult {
  loss: number;
  /** Fraction correct, for classification-like tasks. */
  accuracy?: number;
}

export interface Task {
  params: ParamSet;
  /**
   * The loss on training batch `step` (from 1) at the current parameters; overwrites params.grad
   * with its gradient. Analytic objectives add their seeded gradient noise here.
   */
  trainStep(step: number): LossResult;
  /** Validation loss (and accuracy) over `batches` held-out batches; leaves params.grad alone. */
  evaluate?(batches: number): LossResult;
  /** Extra facts for the summary, e.g. `entropy_rate`: the best achievable loss on this data. */
  info: Record<string, number>;
}
