// Gaussian blobs: `classes` clusters in `dim` dimensions, a classification problem whose difficulty is
// set by `spread` relative to the distance between centers. B = batch, D = dim, K = classes.
import type { Blobs } from '../config/data.js';
import type { z } from 'zod';
import type { VectorBatch, VectorDataset } from './batch.js';
import { Rng } from '../base/rng.js';
import { checkLength, trainStream, valBatches, type DrawBatch } from './stream.js';

export type BlobsSpec = z.output<typeof Blobs>;

/** The problem: K×D class centers drawn once from N(0, I) under (seed, 'data/problem'). */
export function blobCenters(spec: BlobsSpec, seed: number): Float64Array {
  const rng = new Rng(seed, 'data/problem');
  const centers = new Float64Array(spec.classes * spec.dim);
  for (let i = 0; i < centers.length; i++) centers[i] = rng.normal();
  return centers;
}

export function blobsDataset(spec: BlobsSpec, seed: number): VectorDataset {
  const { batch, classes, dim, spread } = spec;
  const centers = blobCenters(spec, seed);
  // label ~ uniform{0..K−1};  x = center[label] + spread·N(0, I)
  const draw: DrawBatch<VectorBatch> = (rng, out) => {
    checkLength('x', out.x, batch * dim);
    checkLength('labels', out.labels, batch);
    for (let b = 0; b < batch; b++) {
      const label = rng.int(classes);
      out.labels[b] = label;
      for (let d = 0; d < dim; d++) out.x[b * dim + d] = centers[label * dim + d]! + spread * rng.normal();
    }
  };
  return {
    kind: 'vectors',
    task: 'classification',
    batch,
    inputDim: dim,
    outputDim: classes,
    fillTrain: trainStream(seed, draw),
    fillVal: valBatches(seed, draw),
    info: {},
  };
}
