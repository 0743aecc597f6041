// The vector datasets (blobs, spirals, teacher): each one's generating process, checked against the
// formula it documents, computed here independently.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DataSpec } from '../src/config/data.js';
import type { VectorBatch, VectorDataset } from '../src/data/batch.js';
import { blobCenters, type BlobsSpec } from '../src/data/blobs.js';
import { buildDataset } from '../src/data/datasets.js';
import { SPIRAL_SWEEP } from '../src/data/spirals.js';
import { teacherNet, type TeacherSpec } from '../src/data/teacher.js';
import { assertClose } from './helpers.js';
import { allocVectorBatch } from './data-fixtures.js';

function vectors(spec: unknown, seed: number): VectorDataset {
  const ds = buildDataset(DataSpec.parse(spec), seed);
  assert.equal(ds.kind, 'vectors');
  return ds as VectorDataset;
}

/** Training batches 1..n (or validation batches 0..n−1) as fresh buffers. */
function batches(ds: VectorDataset, n: number, split: 'train' | 'val' = 'train'): VectorBatch[] {
  return Array.from({ length: n }, (_, i) => {
    const out = allocVectorBatch(ds);
    if (split === 'train') ds.fillTrain(i + 1, out);
    else ds.fillVal(i, out);
    return out;
  });
}

function nearestCenter(centers: Float64Array, classes: number, dim: number, x: Float32Array, row: number): number {
  let best = 0;
  let bestDist = Infinity;
  for (let k = 0; k < classes; k++) {
    let dist = 0;
    for (let d = 0; d < dim; d++) dist += (x[row * dim + d]! - centers[k * dim + d]!) ** 2;
    if (dist < bestDist) [best, bestDist] = [k, dist];
  }
  return best;
}

test('blobs with a small spread: every point, train or validation, is nearest its own class center', () => {
  const spec = DataSpec.parse({ kind: 'blobs', batch: 64, classes: 5, dim: 3, spread: 0.01 }) as BlobsSpec;
  const ds = vectors(spec, 11);
  const centers = blobCenters(spec, 11);
  for (const split of ['train', 'val'] as const) {
    for (const out of batches(ds, 5, split)) {
      for (let b = 0; b < spec.batch; b++) {
        assert.equal(nearestCenter(centers, spec.classes, spec.dim, out.x, b), out.labels[b], `${split} row ${b}`);
      }
    }
  }
});

test('blobs: each class is spread around its center with σ = spread', () => {
  // per class and coordinate, x − center ~ N(0, spread²): pooled over n values, the mean is within
  // 5·spread/√n of 0 and the variance within ~5·spread²·√(2/n) of spread²
  const spec = DataSpec.parse({ kind: 'blobs', batch: 100, classes: 3, dim: 2, spread: 0.7 }) as BlobsSpec;
  const ds = vectors(spec, 5);
  const centers = blobCenters(spec, 5);
  let sum = 0;
  let sumSq = 0;
  let n = 0;
  const counts = new Array<number>(spec.classes).fill(0);
  for (const out of batches(ds, 100)) {
    for (let b = 0; b < spec.batch; b++) {
      const k = out.labels[b]!;
      counts[k]!++;
      for (let d = 0; d < spec.dim; d++) {
        const dev = out.x[b * spec.dim + d]! - centers[k * spec.dim + d]!;
        sum += dev;
        sumSq += dev * dev;
        n++;
      }
    }
  }
  assert.ok(Math.abs(sum / n) < (5 * spec.spread) / Math.sqrt(n), `mean deviation ${sum / n}`);
  assertClose(sumSq / n, spec.spread ** 2, 5 * Math.sqrt(2 / n), 0, 'variance');
  // labels uniform: each of 10 000 draws is class k with probability 1/3
  for (const c of counts) assertClose(c / 10_000, 1 / 3, 0.05, 0, 'class frequency');
});

test('spirals without noise: every point lies on its arm, angle = 2πj/K + 4r at radius r', () => {
  const classes = 3;
  const ds = vectors({ kind: 'spirals', batch: 50, classes, noise: 0 }, 2);
  for (const out of batches(ds, 4)) {
    for (let b = 0; b < 50; b++) {
      const [x, y] = [out.x[2 * b]!, out.x[2 * b + 1]!];
      const r = Math.hypot(x, y);
      assert.ok(r < 1, `radius ${r}`);
      // x = r sin θ, y = r cos θ  ⇒  θ = atan2(x, y); compare on the circle
      const expected = (2 * Math.PI * out.labels[b]!) / classes + SPIRAL_SWEEP * r;
      const diff = Math.atan2(x, y) - expected;
      assert.ok(Math.abs(Math.atan2(Math.sin(diff), Math.cos(diff))) < 1e-5 / Math.max(r, 1e-3), `row ${b}: angle off by ${diff}`);
    }
  }
});

/** The teacher's clean output W₂·tanh(W₁x + b₁) for row b of a batch, in float64. */
function teacherOutput(spec: TeacherSpec, seed: number, x: Float32Array, b: number): number[] {
  const { w1, b1, w2 } = teacherNet(spec, seed);
  const h = Array.from({ length: spec.hidden }, (_, j) => {
    let a = b1[j]!;
    for (let d = 0; d < spec.in; d++) a += w1[j * spec.in + d]! * x[b * spec.in + d]!;
    return Math.tanh(a);
  });
  return Array.from({ length: spec.out }, (_, k) => h.reduce((acc, hj, j) => acc + w2[k * spec.hidden + j]! * hj, 0));
}

test('teacher regression without noise: targets are the teacher network’s outputs', () => {
  const spec = DataSpec.parse({ kind: 'teacher', batch: 16, in: 5, hidden: 7, out: 3, noise: 0 }) as TeacherSpec;
  const ds = vectors(spec, 9);
  const [out] = batches(ds, 1, 'val');
  for (let b = 0; b < spec.batch; b++) {
    const y = teacherOutput(spec, 9, out!.x, b);
    for (let k = 0; k < spec.out; k++) assertClose(out!.targets[b * spec.out + k]!, y[k]!, 1e-6, 1e-7, `row ${b} out ${k}`);
  }
});

test('teacher regression: targets − teacher(x) has variance noise², reported as info.noise_variance', () => {
  const spec = DataSpec.parse({ kind: 'teacher', batch: 100, in: 4, hidden: 8, out: 2, noise: 0.3 }) as TeacherSpec;
  const ds = vectors(spec, 4);
  assert.equal(ds.info['noise_variance'], 0.09);
  let sumSq = 0;
  let n = 0;
  for (const out of batches(ds, 20)) {
    for (let b = 0; b < spec.batch; b++) {
      const y = teacherOutput(spec, 4, out.x, b);
      for (let k = 0; k < spec.out; k++) {
        sumSq += (out.targets[b * spec.out + k]! - y[k]!) ** 2;
        n++;
      }
    }
  }
  assertClose(sumSq / n, 0.09, 5 * Math.sqrt(2 / n), 0, 'noise variance'); // n = 4000
});

test('teacher inputs are standard normal', () => {
  const ds = vectors({ kind: 'teacher', batch: 100, in: 10 }, 1);
  let sum = 0;
  let sumSq = 0;
  let n = 0;
  for (const out of batches(ds, 10)) for (const v of out.x) [sum, sumSq, n] = [sum + v, sumSq + v * v, n + 1];
  assert.ok(Math.abs(sum / n) < 5 / Math.sqrt(n));
  assertClose(sumSq / n, 1, 5 * Math.sqrt(2 / n));
});

test('teacher classification without noise: label = argmax of the teacher’s outputs, all classes occur', () => {
  const spec = DataSpec.parse({ kind: 'teacher', batch: 100, in: 6, hidden: 16, out: 4, noise: 0, task: 'classification' }) as TeacherSpec;
  const ds = vectors(spec, 8);
  assert.equal(ds.outputDim, 4);
  const seen = new Set<number>();
  for (const out of batches(ds, 3)) {
    for (let b = 0; b < spec.batch; b++) {
      const y = teacherOutput(spec, 8, out.x, b);
      assert.equal(out.labels[b], y.indexOf(Math.max(...y)), `row ${b}`);
      seen.add(out.labels[b]!);
    }
  }
  assert.equal(seen.size, 4);
});
