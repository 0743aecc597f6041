// A run's bookkeeping as it trains: the losses its summary reports (tail mean, best, last), the first
// adaptive step, where and why it diverged, the validation and test results. train() owns one `Tally` and
// tells it what each step did; `totals()` is the summary's share of it.

/** The part of a run's summary that training accumulates (src/train/train.ts RunSummary). */
export interface RunTotals {
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
  /** The last test-set pass (eval.test); undefined without one. */
  finalTestLoss: number | undefined;
  finalTestAccuracy: number | undefined;
  /**
   * First step at which the run diverged (src/train/divergence.ts: non-finite loss or gradient, loss
   * explosion, non-finite update); null if it never did. The run stops there.
   */
  divergedAt: number | null;
  /** Why it diverged at `divergedAt`, e.g. "loss 3.37e4 > 1e4 × initial 2"; null if it never did. */
  divergedReason: string | null;
  /** RAdam: first step that applied the rectified update. */
  firstAdaptiveStep: number | null;
}

export class Tally {
  /** The first step of the tail whose mean loss is the final loss: the last 10% of `steps`, at least one. */
  private readonly tailStart: number;
  private tailSum = 0;
  private tailCount = 0;
  private stepsDone = 0;
  private lastLoss = NaN;
  private lastAccuracy: number | undefined;
  private bestLoss = Infinity;
  private bestStep = 0;
  private firstAdaptiveStep: number | null = null;
  private divergedAt: number | null = null;
  private divergedReason: string | null = null;
  private finalVal: { loss: number; accuracy: number | undefined } | undefined;
  private bestValLoss: number | undefined;
  private finalTest: { loss: number; accuracy: number | undefined } | undefined;

  constructor(steps: number) {
    this.tailStart = steps - Math.max(1, Math.floor(steps / 10)) + 1;
  }

  /** Update t was applied; `loss` is its batch's loss (before the update). `rectified`: a RAdam adaptive step. */
  updated(t: number, loss: number, accuracy: number | undefined, rectified: boolean): void {
    this.stepsDone = t;
    this.lastLoss = loss;
    this.lastAccuracy = accuracy;
    if (loss < this.bestLoss) {
      this.bestLoss = loss;
      this.bestStep = t;
    }
    if (t >= this.tailStart) {
      this.tailSum += loss;
      this.tailCount++;
    }
    if (rectified && this.firstAdaptiveStep === null) this.firstAdaptiveStep = t;
  }

  /** The run diverged at step t (before or after its update) with the batch loss `loss`; it stops here. */
  diverged(t: number, loss: number, reason: string): void {
    this.divergedAt = t;
    this.divergedReason = reason;
    this.lastLoss = loss;
  }

  /** A validation pass gave `loss` (and `accuracy`). */
  evaluated(loss: number, accuracy: number | undefined): void {
    this.finalVal = { loss, accuracy };
    if (Number.isFinite(loss) && (this.bestValLoss === undefined || loss < this.bestValLoss)) this.bestValLoss = loss;
  }

  /** A test-set pass gave `loss` (and `accuracy`). */
  tested(loss: number, accuracy: number | undefined): void {
    this.finalTest = { loss, accuracy };
  }

  totals(): RunTotals {
    return {
      stepsDone: this.stepsDone,
      finalLoss: this.divergedAt !== null ? NaN : this.tailCount > 0 ? this.tailSum / this.tailCount : this.lastLoss,
      lastLoss: this.lastLoss,
      bestLoss: this.bestStep > 0 ? this.bestLoss : NaN,
      bestStep: this.bestStep,
      finalValLoss: this.finalVal?.loss,
      bestValLoss: this.bestValLoss,
      finalValAccuracy: this.finalVal?.accuracy,
      finalAccuracy: this.lastAccuracy,
      finalTestLoss: this.finalTest?.loss,
      finalTestAccuracy: this.finalTest?.accuracy,
      divergedAt: this.divergedAt,
      divergedReason: this.divergedReason,
      firstAdaptiveStep: this.firstAdaptiveStep,
    };
  }
}
