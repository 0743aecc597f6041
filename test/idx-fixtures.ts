// Small IDX directories for the model tests, written by the tests themselves: images whose class is
// easy to see (class k lights a 6×6 square at a position of its own, over faint seeded noise), so a
// tiny CNN learns them in a few dozen steps (the IDX layout itself is tested in data-idx.test.ts); and
// whether the real Fashion-MNIST files are here, for the tests of the shipped configs that need them.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Rng } from '../src/base/rng.js';
import { IDX_FILES, locateIdx } from '../src/data/idx.js';

const SIDE = 28;

/** IDX3 images (magic 0x803) of `labels`: class k's square at row 2 + 12·⌊k/5⌋, column 1 + 5·(k mod 5). */
function imagesFile(labels: number[], rng: Rng): Buffer {
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
function labelsFile(labels: number[]): Buffer {
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
  writeFileSync(join(dir, IDX_FILES.trainImages), imagesFile(trainLabels, rng));
  writeFileSync(join(dir, IDX_FILES.trainLabels), labelsFile(trainLabels));
  writeFileSync(join(dir, IDX_FILES.testImages), imagesFile(testLabels, rng));
  writeFileSync(join(dir, IDX_FILES.testLabels), labelsFile(testLabels));
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
