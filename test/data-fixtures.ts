// Batch buffers for the dataset tests: plain typed arrays of the lengths a dataset fills (the models
// carve theirs out of the run's arena instead).
import type { TokenBatch, TokenDataset, VectorBatch, VectorDataset } from '../src/data/batch.js';

/** B×D inputs, and B labels (classification) or B×K targets (regression); the unused one is empty. */
export function allocVectorBatch(ds: VectorDataset): VectorBatch {
  const classification = ds.task === 'classification';
  return {
    x: new Float32Array(ds.batch * ds.inputDim),
    labels: new Int32Array(classification ? ds.batch : 0),
    targets: new Float32Array(classification ? 0 : ds.batch * ds.outputDim),
  };
}

/** B×T input and target token ids. */
export function allocTokenBatch(ds: TokenDataset): TokenBatch {
  return { inputs: new Int32Array(ds.batch * ds.seqLen), targets: new Int32Array(ds.batch * ds.seqLen) };
}
