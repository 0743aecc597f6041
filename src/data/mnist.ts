// Fashion-MNIST and MNIST: 28 × 28 grey images in 10 classes from the IDX files (idx.ts). Train = the
// first 11/12 of the training images (55,000 of 60,000) in a fresh seeded order every epoch,
// validation = the last 1/12 (5,000), test = the t10k images. Pixels are bytes, scaled to [0, 1] per batch.
import type { z } from 'zod';
import type { FashionMnist, Mnist } from '../config/data.js';
import { ConfigError } from '../base/errors.js';
import { Rng } from '../base/rng.js';
import type { VectorBatch, VectorDataset } from './batch.js';
import { locateIdx, readIdxSet, type LabeledImages } from './idx.js';
import { checkLength } from './stream.js';

type MnistSpec = z.output<typeof FashionMnist> | z.output<typeof Mnist>;

/** Training images kept for validation: 5,000 of 60,000. */
function validationCount(trainImages: number): number {
  return Math.round(trainImages / 12);
}

/** Copies example `image` of `set` into row `row` of `out`, pixels scaled to [0, 1]. */
function copyExample(set: LabeledImages, image: number, out: VectorBatch, row: number): void {
  const size = set.rows * set.cols;
  const from = image * size;
  const to = row * size;
  for (let i = 0; i < size; i++) out.x[to + i] = set.pixels[from + i]! / 255;
  out.labels[row] = set.labels[image]!;
}

/** A uniformly random permutation of 0..n−1 (Fisher–Yates) from Rng(seed, 'data/train/epoch/<epoch>'). */
function epochOrder(seed: number, epoch: number, n: number): Uint32Array {
  const rng = new Rng(seed, `data/train/epoch/${epoch}`);
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = order[i]!;
    order[i] = order[j]!;
    order[j] = t;
  }
  return order;
}

/**
 * fillTrain: example p = (step − 1)·B + b of the run is position p mod N of epoch ⌊p / N⌋'s order, so
 * batch `step` depends on the step alone and every epoch sees each training image once.
 */
function trainBatches(set: LabeledImages, trainCount: number, batch: number, seed: number): (step: number, out: VectorBatch) => void {
  const orders = new Map<number, Uint32Array>(); // the (at most two) epochs the last batch touched
  const orderOf = (epoch: number): Uint32Array => {
    let order = orders.get(epoch);
    if (order === undefined) {
      order = epochOrder(seed, epoch, trainCount);
      for (const e of orders.keys()) if (e < epoch - 1 || e > epoch) orders.delete(e);
      orders.set(epoch, order);
    }
    return order;
  };
  return (step, out) => {
    if (!Number.isInteger(step) || step < 1) throw new Error(`fillTrain: expected an integer step ≥ 1, got ${step}`);
    checkBuffers(set, batch, out);
    for (let b = 0; b < batch; b++) {
      const p = (step - 1) * batch + b;
      const epoch = Math.floor(p / trainCount);
      copyExample(set, orderOf(epoch)[p - epoch * trainCount]!, out, b);
    }
  };
}

/** Batch `index` of a fixed range of images: images first + (index·B + b) mod count, in file order. */
function fixedBatches(what: 'fillVal' | 'fillTest', set: LabeledImages, first: number, count: number, batch: number): (index: number, out: VectorBatch) => void {
  return (index, out) => {
    if (!Number.isInteger(index) || index < 0) throw new Error(`${what}: expected an integer index ≥ 0, got ${index}`);
    checkBuffers(set, batch, out);
    for (let b = 0; b < batch; b++) copyExample(set, first + ((index * batch + b) % count), out, b);
  };
}

function checkBuffers(set: LabeledImages, batch: number, out: VectorBatch): void {
  checkLength('x', out.x, batch * set.rows * set.cols);
  checkLength('labels', out.labels, batch);
}

export function mnistDataset(spec: MnistSpec, seed: number): VectorDataset {
  const { train, test } = readIdxSet(locateIdx(spec.kind, spec.path));
  const valCount = validationCount(train.count);
  if (valCount < 1) {
    throw new ConfigError(`data.path: expected at least 6 training images (1/12 of them are validation), got ${train.count} in "${train.file}"`);
  }
  const trainCount = train.count - valCount;
  return {
    kind: 'vectors',
    task: 'classification',
    batch: spec.batch,
    inputDim: train.rows * train.cols,
    outputDim: 10,
    fillTrain: trainBatches(train, trainCount, spec.batch, seed),
    fillVal: fixedBatches('fillVal', train, trainCount, valCount, spec.batch),
    fillTest: fixedBatches('fillTest', test, 0, test.count, spec.batch),
    testCount: test.count,
    info: {},
  };
}
