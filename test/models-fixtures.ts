// Small hand-made datasets implementing the VectorDataset / TokenDataset interfaces, for the model
// tests (independent of src/data's real datasets). Batch `step` / `index` is a pure function of its
// number, so calling fillTrain(1) twice yields the same batch (needed by the gradient checks), and
// sequential training steps draw from one stream without allocating (needed by the heap test).
import type { TokenBatch, TokenDataset, VectorBatch, VectorDataset } from '../src/data/batch.js';
import { Rng } from '../src/base/rng.js';

/** Batch `step` = the step-th draw of one stream; out-of-order requests replay from the start. */
function sequential<B>(purpose: string, fill: (rng: Rng, out: B) => void): (step: number, out: B) => void {
  let rng = new Rng(0, purpose);
  let next = 1;
  return (step, out) => {
    if (step < next) {
      rng = new Rng(0, purpose);
      next = 1;
    }
    for (; next <= step; next++) fill(rng, out);
  };
}

/** Random Gaussian inputs; labels = arg-max of a fixed random linear map (learnable), or its values. */
export function toyVectors(task: 'classification' | 'regression', batch: number, inputDim: number, outputDim: number): VectorDataset {
  const teacher = new Float64Array(outputDim * inputDim);
  const trng = new Rng(99, 'toy teacher');
  for (let i = 0; i < teacher.length; i++) teacher[i] = trng.normal();
  const fill = (rng: Rng, out: VectorBatch): void => {
    for (let b = 0; b < batch; b++) {
      for (let d = 0; d < inputDim; d++) out.x[b * inputDim + d] = rng.normal();
      let best = 0;
      let bestValue = -Infinity;
      for (let k = 0; k < outputDim; k++) {
        let y = 0;
        for (let d = 0; d < inputDim; d++) y += teacher[k * inputDim + d]! * out.x[b * inputDim + d]!;
        if (task === 'regression') out.targets[b * outputDim + k] = Math.tanh(y);
        else if (y > bestValue) {
          bestValue = y;
          best = k;
        }
      }
      if (task === 'classification') out.labels[b] = best;
    }
  };
  return {
    kind: 'vectors',
    task,
    batch,
    inputDim,
    outputDim,
    fillTrain: sequential('toy train', fill),
    fillVal: (index, out) => fill(new Rng(index, 'toy val'), out),
    info: { toy: 1 },
  };
}

/**
 * Token windows. 'random': uniform tokens. 'cycle': windows of the sequence 0, 1, …, V−1, 0, 1, …
 * starting at a random offset, so the next token is a deterministic function of the current one.
 */
export function toyTokens(pattern: 'random' | 'cycle', batch: number, seqLen: number, vocab: number): TokenDataset {
  const fill = (rng: Rng, out: TokenBatch): void => {
    for (let b = 0; b < batch; b++) {
      let tok = rng.int(vocab);
      for (let t = 0; t < seqLen; t++) {
        out.inputs[b * seqLen + t] = tok;
        tok = pattern === 'cycle' ? (tok + 1) % vocab : rng.int(vocab);
        out.targets[b * seqLen + t] = tok;
      }
    }
  };
  return {
    kind: 'tokens',
    batch,
    vocab,
    seqLen,
    fillTrain: sequential('toy tokens train', fill),
    fillVal: (index, out) => fill(new Rng(index, 'toy tokens val'), out),
    info: { entropy_rate: pattern === 'cycle' ? 0 : Math.log(vocab) },
  };
}


/**
 * The first `period` training batches of `inner`, replayed cyclically by plain copy loops: a
 * fillTrain that does no arithmetic and allocates nothing, for the heap test.
 */
export function replayed<D extends VectorDataset | TokenDataset>(inner: D, period: number): D {
  const probe = batchBuffers(inner);
  const store = Object.fromEntries(Object.entries(probe).map(([k, v]) => [k, new (v.constructor as Int32ArrayConstructor)(v.length * period)]));
  for (let p = 1; p <= period; p++) {
    inner.fillTrain(p, probe as never);
    for (const [k, v] of Object.entries(probe)) store[k]!.set(v, (p - 1) * v.length);
  }
  const keys = Object.keys(probe);
  return {
    ...inner,
    fillTrain: (step: number, out: Record<string, Int32Array | Float32Array>) => {
      for (let i = 0; i < keys.length; i++) {
        const dst = out[keys[i]!]!;
        const src = store[keys[i]!]!;
        const offset = ((step - 1) % period) * dst.length;
        for (let j = 0; j < dst.length; j++) dst[j] = src[offset + j]!;
      }
    },
  };
}

function batchBuffers(d: VectorDataset | TokenDataset): Record<string, Int32Array | Float32Array> {
  if (d.kind === 'tokens') return { inputs: new Int32Array(d.batch * d.seqLen), targets: new Int32Array(d.batch * d.seqLen) };
  const classify = d.task === 'classification';
  return {
    x: new Float32Array(d.batch * d.inputDim),
    labels: new Int32Array(classify ? d.batch : 0),
    targets: new Float32Array(classify ? 0 : d.batch * d.outputDim),
  };
}
