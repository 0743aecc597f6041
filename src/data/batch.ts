// The batch shapes and dataset interfaces that models consume. A dataset *fills* batch buffers the
// model allocated once (no allocation per step). Training batch `step` is a function of the step alone
// and validation batch `index` is the same every time it is asked for (a fixed validation set, so
// evaluations are comparable); stream.ts implements both.
// B = batch, D = input dim, K = output dim (classes or regression targets), T = seq_len.

/** Dense inputs with class labels (classification) or real targets (regression). */
export interface VectorBatch {
  /** B×D row-major inputs. */
  x: Float32Array;
  /** B class ids (classification); unused (length 0) for regression. */
  labels: Int32Array;
  /** B×K real targets (regression); unused (length 0) for classification. */
  targets: Float32Array;
}

export interface VectorDataset {
  kind: 'vectors';
  task: 'classification' | 'regression';
  batch: number;
  /** D */
  inputDim: number;
  /** K: number of classes, or regression output size. */
  outputDim: number;
  /** Fill `out` with training batch `step` (1, 2, 3, …). */
  fillTrain(step: number, out: VectorBatch): void;
  /** Fill `out` with validation batch `index` (0, 1, …). */
  fillVal(index: number, out: VectorBatch): void;
  /** Fill `out` with test batch `index` (0, 1, …), for datasets with a held-out test set (the MNIST kinds). */
  fillTest?: (index: number, out: VectorBatch) => void;
  /** Examples in the test set (batches past it wrap around). */
  testCount?: number;
  /** Facts about the problem for the summary, e.g. `noise_variance` (the irreducible MSE) for teacher regression. */
  info: Record<string, number>;
}

/** Token sequences for language models: targets[b, t] is the token after inputs[b, t]. */
export interface TokenBatch {
  /** B×T token ids. */
  inputs: Int32Array;
  /** B×T next-token ids. */
  targets: Int32Array;
}

export interface TokenDataset {
  kind: 'tokens';
  batch: number;
  vocab: number;
  seqLen: number;
  /** Fill `out` with training batch `step` (1, 2, 3, …). */
  fillTrain(step: number, out: TokenBatch): void;
  /** Fill `out` with validation batch `index` (0, 1, …). */
  fillVal(index: number, out: TokenBatch): void;
  /** Facts about the problem, e.g. `entropy_rate` (nats/token, the best achievable loss) for markov-text. */
  info: Record<string, number>;
}

export type Dataset = VectorDataset | TokenDataset;
