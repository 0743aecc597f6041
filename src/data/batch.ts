// Batch buffers and the dataset interfaces that models consume. Datasets *fill* preallocated batch
// buffers (no allocation per step); the training stream is sequential, validation batch i is the
// same every time it is asked for (a fixed validation set), so evaluations are comparable.
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
  /** Allocate a batch's buffers (called at build time, through the run's arena). */
  fillTrain(step: number, out: VectorBatch): void;
  fillVal(index: number, out: VectorBatch): void;
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
  fillTrain(step: number, out: TokenBatch): void;
  fillVal(index: number, out: TokenBatch): void;
  /** e.g. `entropy_rate` (nats/token, the best achievable loss) for markov-text. */
  info: Record<string, number>;
}

export type Dataset = VectorDataset | TokenDataset;
