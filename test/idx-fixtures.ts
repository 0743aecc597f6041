// Small IDX fixtures (the four MNIST-format files) that tests write themselves: numbered images for
// the IDX reading tests and the eval.test runs (writeIdxFixture); images whose class is easy to see for
// the model tests (writeSquaresIdx: class k lights a 6×6 square at a position of its own, over faint
// seeded noise, so a tiny CNN learns them in a few dozen steps); and whether the real Fashion-MNIST
// files are here, for the tests of the shipped configs that need them.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Rng } from '../src/base/rng.js';
import { IDX_FILES, locateIdx } from '../src/data/idx.js';

const PIXELS = 28 * 28;

/** Image i of a fixture: pixel 0 = i mod 256, pixel 1 = ⌊i / 256⌋, pixel 2 = 255 (test images: 254), the rest (i + j) mod 256. */
export function imagesFile(count: number, test = false): Buffer {
  const b = Buffer.alloc(16 + count * PIXELS);
  b.writeUInt32BE(0x803, 0);
  b.writeUInt32BE(count, 4);
  b.writeUInt32BE(28, 8);
  b.writeUInt32BE(28, 12);
  for (let i = 0; i < count; i++) {
    const at = 16 + i * PIXELS;
    for (let j = 3; j < PIXELS; j++) b[at + j] = (i + j) % 256;
    b[at] = i % 256;
    b[at + 1] = Math.floor(i / 256);
    b[at + 2] = test ? 254 : 255;
  }
  return b;
}

/** Label i = i mod 10. */
export function labelsFile(count: number): Buffer {
  const b = Buffer.alloc(8 + count);
  b.writeUInt32BE(0x801, 0);
  b.writeUInt32BE(count, 4);
  for (let i = 0; i < count; i++) b[8 + i] = i % 10;
  return b;
}

/** Train and test image counts (default 120 and 30), gzipped or raw; `edit` may replace any file. */
export interface IdxFixture {
  train?: number;
  test?: number;
  gz?: boolean;
  edit?: (files: Record<string, Buffer>) => void;
}

/** Writes the four files into `dir` (created) and returns it. */
export function writeIdxFixture(dir: string, opts: IdxFixture = {}): string {
  mkdirSync(dir, { recursive: true });
  const files: Record<string, Buffer> = {
    [IDX_FILES.trainImages]: imagesFile(opts.train ?? 120),
    [IDX_FILES.trainLabels]: labelsFile(opts.train ?? 120),
    [IDX_FILES.testImages]: imagesFile(opts.test ?? 30, true),
    [IDX_FILES.testLabels]: labelsFile(opts.test ?? 30),
  };
  opts.edit?.(files);
  for (const [file, bytes] of Object.entries(files)) {
    if (opts.gz) writeFileSync(join(dir, `${file}.gz`), gzipSync(bytes));
    else writeFileSync(join(dir, file), bytes);
  }
  return dir;
}

const SIDE = 28;

/** IDX3 images (magic 0x803) of `labels`: class k's square at row 2 + 12·⌊k/5⌋, column 1 + 5·(k mod 5). */
function squaresImagesFile(labels: number[], rng: Rng): Buffer {
  const b = Buffer.alloc(16 + labels.length * SIDE * SIDE);
  b.writeUInt32BE(0x803, 0);
  b.writeUInt32BE(labels.length, 4);
  b.writeUInt32BE(SIDE, 8);
  b.writeUInt32BE(SIDE, 12);
  labels.forEach((k, i) => {
    const at = 16 + i * SIDE * SIDE;
    for (let j = 0; j < SIDE * SIDE; j++) b[at + j] = rng.int(40);
    const top = 2 + 12 * Math.floor(k / 5);
    const left = 1 + 5 * (k % 5);
    for (let r = top; r < top + 6; r++) for (let c = left; c < left + 6; c++) b[at + r * SIDE + c] = 255;
  });
  return b;
}

/** IDX1 labels (magic 0x801). */
function labelsOf(labels: number[]): Buffer {
  const b = Buffer.alloc(8 + labels.length);
  b.writeUInt32BE(0x801, 0);
  b.writeUInt32BE(labels.length, 4);
  labels.forEach((k, i) => (b[8 + i] = k));
  return b;
}

/** Writes the four IDX files (raw) of `train` and `test` images with seeded labels into `dir`; returns dir. */
export function writeSquaresIdx(dir: string, train: number, test: number): string {
  mkdirSync(dir, { recursive: true });
  const rng = new Rng(7, 'squares fixture');
  const draw = (n: number): number[] => Array.from({ length: n }, () => rng.int(10));
  const trainLabels = draw(train);
  const testLabels = draw(test);
  writeFileSync(join(dir, IDX_FILES.trainImages), squaresImagesFile(trainLabels, rng));
  writeFileSync(join(dir, IDX_FILES.trainLabels), labelsOf(trainLabels));
  writeFileSync(join(dir, IDX_FILES.testImages), squaresImagesFile(testLabels, rng));
  writeFileSync(join(dir, IDX_FILES.testLabels), labelsOf(testLabels));
  return dir;
}

/** Why the real Fashion-MNIST files cannot be found here (the one-line message), or undefined when they can. */
export function fashionMnistMissing(): string | undefined {
  try {
    locateIdx('fashion-mnist', undefined);
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}
