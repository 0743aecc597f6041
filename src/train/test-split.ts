// The test-set pass of `eval.test`: the model's own validation pass, its batches redirected to the
// dataset's test split, counting every test image exactly once although the model's buffers hold B rows.
import { ConfigError } from '../base/errors.js';
import type { Dataset, VectorBatch, VectorDataset } from '../data/batch.js';
import type { Task } from '../models/task.js';

/** Loss and accuracy over the whole test set (accuracy undefined for regression). */
export interface TestResult {
  loss: number;
  accuracy: number | undefined;
}

export interface TestSplit {
  /** Build the model on this dataset: the original one, whose fillVal a test pass redirects to test batches. */
  dataset: VectorDataset;
  /** Mean loss and accuracy over each of the testCount test images once, at the task's current parameters. */
  evaluate(task: Task): TestResult;
}

/**
 * The ⌊N/B⌋ full test batches are evaluated as they are. The last N mod B = r images fill rows 0..r−1
 * of one more batch whose rows r..B−1 repeat its row 0 (image z); a batch of B copies of z measures
 * z's loss ℓ and correctness c, and (B − r)·ℓ and (B − r)·c are subtracted. Rows of a batch are
 * independent in these models (no batch statistics), so this is exact up to float rounding.
 */
export function testSplit(dataset: Dataset | undefined): TestSplit {
  if (dataset?.kind !== 'vectors' || dataset.fillTest === undefined || dataset.testCount === undefined) {
    throw new ConfigError('eval.test: expected a dataset with a test split (fashion-mnist or mnist)');
  }
  const fillTest = dataset.fillTest;
  const n = dataset.testCount;
  const B = dataset.batch;
  /** While a test pass runs: validation batch i is test batch offset + i, rows from `keep` on copies of row 0. */
  let redirect: { offset: number; keep: number } | null = null;
  const wrapped: VectorDataset = {
    ...dataset,
    fillVal(index, out) {
      if (redirect === null) return dataset.fillVal(index, out);
      fillTest(redirect.offset + index, out);
      repeatFirstRow(out, redirect.keep, B);
    },
  };
  /** Summed loss and correct count of `batches` redirected validation batches. */
  const pass = (task: Task, batches: number, offset: number, keep: number): { loss: number; correct: number } => {
    redirect = { offset, keep };
    try {
      const r = task.evaluate!(batches);
      const rows = batches * B;
      return { loss: r.loss * rows, correct: r.accuracy === undefined ? NaN : Math.round(r.accuracy * rows) };
    } finally {
      redirect = null;
    }
  };
  return {
    dataset: wrapped,
    evaluate(task) {
      if (task.evaluate === undefined) throw new Error('eval.test: the model has no evaluation pass');
      const full = Math.floor(n / B);
      const rest = n - full * B;
      let loss = 0;
      let correct = 0;
      if (full > 0) ({ loss, correct } = pass(task, full, 0, B));
      if (rest > 0) {
        const padded = pass(task, 1, full, rest);
        const z = pass(task, 1, full, 1);
        loss += padded.loss - ((B - rest) * z.loss) / B;
        correct += padded.correct - Math.round(((B - rest) * z.correct) / B);
      }
      return { loss: loss / n, accuracy: Number.isNaN(correct) ? undefined : correct / n };
    },
  };
}

/** Rows keep..B−1 of `out` become copies of row 0 (inputs and labels). */
function repeatFirstRow(out: VectorBatch, keep: number, B: number): void {
  const d = out.x.length / B;
  for (let b = keep; b < B; b++) {
    out.x.copyWithin(b * d, 0, d);
    if (out.labels.length === B) out.labels[b] = out.labels[0]!;
  }
  const k = out.targets.length / B;
  for (let b = keep; b < B && k > 0; b++) out.targets.copyWithin(b * k, 0, k);
}
