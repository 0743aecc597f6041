// Small IDX fixtures (the four MNIST-format files) that tests write themselves: shared by the IDX
// reading tests and the eval.test runs.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { IDX_FILES } from '../src/data/idx.js';

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
