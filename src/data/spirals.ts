// Interleaved 2-D spirals (the CS231n toy problem): arm j at radius r ∈ [0, 1) has angle
// 2πj/K + 4r, plus Gaussian noise on the angle; x = (r·sin θ, r·cos θ). Not linearly separable, so a
// linear model plateaus and an MLP can reach near-perfect accuracy at low noise. B = batch, K = classes.
import type { Spirals } from '../config/data.js';
import type { z } from 'zod';
import type { VectorBatch, VectorDataset } from './batch.js';
import { checkLength, trainStream, valBatches, type DrawBatch } from './stream.js';

type SpiralsSpec = z.output<typeof Spirals>;

/** Radians an arm turns from the center (r = 0) to the rim (r = 1), as in CS231n's spiral data. */
export const SPIRAL_SWEEP = 4;

export function spiralsDataset(spec: SpiralsSpec, seed: number): VectorDataset {
  const { batch, classes, noise } = spec;
  const draw: DrawBatch<VectorBatch> = (rng, out) => {
    checkLength('x', out.x, batch * 2);
    checkLength('labels', out.labels, batch);
    for (let b = 0; b < batch; b++) {
      const label = rng.int(classes);
      const r = rng.uniform();
      const theta = (2 * Math.PI * label) / classes + SPIRAL_SWEEP * r + noise * rng.normal();
      out.labels[b] = label;
      out.x[2 * b] = r * Math.sin(theta);
      out.x[2 * b + 1] = r * Math.cos(theta);
    }
  };
  return {
    kind: 'vectors',
    task: 'classification',
    batch,
    inputDim: 2,
    outputDim: classes,
    fillTrain: trainStream(seed, draw),
    fillVal: valBatches(seed, draw),
    info: {},
  };
}
