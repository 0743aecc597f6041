// Teacher–student data: inputs x ~ N(0, I), labels from a fixed random network
// y = W₂·tanh(W₁x + b₁). Regression targets are y + noise·N(0, I); classification labels are
// argmax(y + noise·N(0, I)) (noisy logits). The student can match the teacher exactly, so the
// irreducible regression error is known: noise² per output. B = batch, D = in, H = hidden, K = out.
import type { Teacher } from '../config/data.js';
import type { z } from 'zod';
import type { VectorBatch, VectorDataset } from './batch.js';
import { Rng } from '../base/rng.js';
import { checkLength, trainStream, valBatches, type DrawBatch } from './stream.js';

export type TeacherSpec = z.output<typeof Teacher>;

export interface TeacherNet {
  /** H×D row-major, entries N(0, 1/D) so that pre-activations have unit scale. */
  w1: Float64Array;
  /** H, entries N(0, 1/4): shifts the units off tanh's symmetric point. */
  b1: Float64Array;
  /** K×H row-major, entries N(0, 1/H). */
  w2: Float64Array;
}

/** The problem: the teacher's weights, drawn once under (seed, 'data/problem'). */
export function teacherNet(spec: TeacherSpec, seed: number): TeacherNet {
  const rng = new Rng(seed, 'data/problem');
  const { in: inDim, hidden, out } = spec;
  const w1 = new Float64Array(hidden * inDim);
  for (let i = 0; i < w1.length; i++) w1[i] = rng.normal() / Math.sqrt(inDim);
  const b1 = new Float64Array(hidden);
  for (let i = 0; i < hidden; i++) b1[i] = 0.5 * rng.normal();
  const w2 = new Float64Array(out * hidden);
  for (let i = 0; i < w2.length; i++) w2[i] = rng.normal() / Math.sqrt(hidden);
  return { w1, b1, w2 };
}

export function teacherDataset(spec: TeacherSpec, seed: number): VectorDataset {
  const { batch, in: inDim, hidden, out: outDim, noise, task } = spec;
  const { w1, b1, w2 } = teacherNet(spec, seed);
  const h = new Float64Array(hidden);
  const y = new Float64Array(outDim);
  const classification = task === 'classification';
  const draw: DrawBatch<VectorBatch> = (rng, out) => {
    checkLength('x', out.x, batch * inDim);
    checkLength('labels', out.labels, classification ? batch : 0);
    checkLength('targets', out.targets, classification ? 0 : batch * outDim);
    for (let b = 0; b < batch; b++) {
      const x = out.x;
      const xb = b * inDim;
      for (let d = 0; d < inDim; d++) x[xb + d] = rng.normal();
      // Computed from the float32 inputs the student sees, so noise 0 means an exactly learnable target.
      for (let j = 0; j < hidden; j++) {
        let a = b1[j]!;
        for (let d = 0; d < inDim; d++) a += w1[j * inDim + d]! * x[xb + d]!;
        h[j] = Math.tanh(a);
      }
      for (let k = 0; k < outDim; k++) {
        let a = 0;
        for (let j = 0; j < hidden; j++) a += w2[k * hidden + j]! * h[j]!;
        y[k] = a + noise * rng.normal();
      }
      if (classification) {
        let best = 0;
        for (let k = 1; k < outDim; k++) if (y[k]! > y[best]!) best = k;
        out.labels[b] = best;
      } else {
        for (let k = 0; k < outDim; k++) out.targets[b * outDim + k] = y[k]!;
      }
    }
  };
  return {
    kind: 'vectors',
    task,
    batch,
    inputDim: inDim,
    outputDim: outDim,
    fillTrain: trainStream(seed, draw),
    fillVal: valBatches(seed, draw),
    info: classification ? {} : { noise_variance: noise * noise },
  };
}
