// IDX reading (raw and .gz, corrupt files, missing files) and the fashion-mnist/mnist datasets' splits,
// on small fixtures written here; the real Fashion-MNIST files are checked when installed.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { ConfigError } from '../src/base/errors.js';
import { DataSpec } from '../src/config/data.js';
import { validateExperiment } from '../src/config/load.js';
import type { VectorBatch, VectorDataset } from '../src/data/batch.js';
import { buildDataset } from '../src/data/datasets.js';
import { DEBIAN_FASHION_MNIST, IDX_FILES, idxCandidates, locateIdx, readIdxBytes, readIdxSet } from '../src/data/idx.js';
import { allocVectorBatch } from './data-fixtures.js';
import { imagesFile, labelsFile, writeIdxFixture, type IdxFixture } from './idx-fixtures.js';
import { spawnCli } from './helpers.js';

const root = mkdtempSync(join(tmpdir(), 'radam-idx-'));
after(() => rmSync(root, { recursive: true, force: true }));

const PIXELS = 28 * 28;

/** A fixture directory under this file's temporary root (test/idx-fixtures.ts). */
function fixtureDir(name: string, opts: IdxFixture = {}): string {
  return writeIdxFixture(join(root, name), opts);
}

function dataset(path: string, batch: number, seed = 0, kind = 'fashion-mnist'): VectorDataset {
  const ds = buildDataset(DataSpec.parse({ kind, path, batch }), seed);
  assert.equal(ds.kind, 'vectors');
  return ds;
}

/** The fixture image index in each row of a batch (from pixels 0 and 1). */
function imageIds(out: VectorBatch): number[] {
  const ids: number[] = [];
  for (let r = 0; r < out.labels.length; r++) ids.push(Math.round(out.x[r * PIXELS]! * 255) + 256 * Math.round(out.x[r * PIXELS + 1]! * 255));
  return ids;
}

function trainIds(ds: VectorDataset, step: number): number[] {
  const out = allocVectorBatch(ds);
  ds.fillTrain(step, out);
  return imageIds(out);
}

function throwsConfig(fn: () => unknown, ...patterns: RegExp[]): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
    assert.equal(err.message.split('\n').length, 1, 'one line');
    for (const p of patterns) assert.match(err.message, p);
    return true;
  });
}

test('raw and .gz fixtures read the same; 784 inputs, 10 classes, pixels scaled by 1/255', () => {
  const raw = dataset(fixtureDir('raw'), 4);
  const gz = dataset(fixtureDir('gz', { gz: true }), 4);
  assert.equal(raw.inputDim, 784);
  assert.equal(raw.outputDim, 10);
  assert.equal(raw.task, 'classification');
  const a = allocVectorBatch(raw);
  const b = allocVectorBatch(gz);
  raw.fillTrain(3, a);
  gz.fillTrain(3, b);
  assert.deepEqual(a, b);
  // row 0 is some image i: label i mod 10, pixel 2 = 255 → 1, pixel j ≥ 3 = ((i + j) mod 256) / 255 in float32
  const i = imageIds(a)[0]!;
  assert.equal(a.labels[0], i % 10);
  assert.equal(a.x[2], 1);
  assert.equal(a.x[100], Math.fround(((i + 100) % 256) / 255));
  for (const v of a.x) assert.ok(v >= 0 && v <= 1);
});

test('splits: train = first 11/12 of the training images, each once per epoch; validation = the last 1/12 in order; test = the t10k images', () => {
  const ds = dataset(fixtureDir('splits'), 10);
  // 120 training images: 110 train, 10 validation; batch 10 → 11 steps per epoch
  for (const epoch of [0, 1]) {
    const seen: number[] = [];
    for (let s = 1; s <= 11; s++) seen.push(...trainIds(ds, epoch * 11 + s));
    assert.deepEqual([...seen].sort((x, y) => x - y), Array.from({ length: 110 }, (_, k) => k), `epoch ${epoch}`);
  }
  const out = allocVectorBatch(ds);
  ds.fillVal(0, out);
  assert.deepEqual(imageIds(out), [110, 111, 112, 113, 114, 115, 116, 117, 118, 119]);
  assert.deepEqual([...out.labels], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  ds.fillVal(1, out); // wraps around the 10 validation images
  assert.deepEqual(imageIds(out), [110, 111, 112, 113, 114, 115, 116, 117, 118, 119]);
  assert.equal(ds.testCount, 30);
  ds.fillTest!(2, out);
  assert.deepEqual(imageIds(out), [20, 21, 22, 23, 24, 25, 26, 27, 28, 29]);
  assert.equal(out.x[2], Math.fround(254 / 255), 'from the t10k file');
});

test('a batch straddling two epochs ends one epoch and starts the next', () => {
  const ds = dataset(fixtureDir('splits'), 100); // 110 train images: step 2 holds epoch 0's last 10 and epoch 1's first 90
  const seen = [...trainIds(ds, 1), ...trainIds(ds, 2).slice(0, 10)];
  assert.deepEqual(seen.sort((x, y) => x - y), Array.from({ length: 110 }, (_, k) => k));
});

test('determinism: the same seed gives the same batches in any call order, epochs reshuffle, other seeds differ, val/test do not depend on the seed', () => {
  const dir = fixtureDir('det');
  const a = dataset(dir, 10, 7);
  const b = dataset(dir, 10, 7);
  const forward = Array.from({ length: 25 }, (_, s) => trainIds(a, s + 1));
  const backward = Array.from({ length: 25 }, (_, s) => trainIds(b, 25 - s)).reverse();
  assert.deepEqual(forward, backward);
  const epoch0 = forward.slice(0, 11).flat();
  const epoch1 = forward.slice(11, 22).flat();
  assert.notDeepEqual(epoch0, epoch1);
  const other = dataset(dir, 10, 8);
  assert.notDeepEqual(Array.from({ length: 11 }, (_, s) => trainIds(other, s + 1)).flat(), epoch0);
  for (const fill of ['fillVal', 'fillTest'] as const) {
    const x = allocVectorBatch(a);
    const y = allocVectorBatch(other);
    a[fill]!(3, x);
    other[fill]!(3, y);
    assert.deepEqual(x, y, fill);
  }
});

test('corrupt files: wrong magic, truncated, wrong size, count mismatch, bad label, bad gzip → one line naming the file', () => {
  const train = IDX_FILES.trainImages;
  const read = (dir: string): unknown => readIdxSet(locateIdx('fashion-mnist', dir));
  throwsConfig(
    () => read(fixtureDir('magic', { edit: (f) => f[train]!.writeUInt32BE(0x801, 0) })),
    /magic-?.*train-images-idx3-ubyte/,
    /expected an IDX images file \(magic 0x00000803\).*got magic 0x00000801/,
  );
  throwsConfig(
    () => read(fixtureDir('truncated', { edit: (f) => (f[train] = f[train]!.subarray(0, 1000)) })),
    /train-images-idx3-ubyte/,
    /expected 16 \+ 120 × 28 × 28 = 94096 bytes.*got 1000 \(truncated\)/,
  );
  throwsConfig(() => read(fixtureDir('short-header', { edit: (f) => (f[IDX_FILES.testLabels] = f[IDX_FILES.testLabels]!.subarray(0, 5)) })), /t10k-labels-idx1-ubyte/, /8-byte header.*got 5 bytes/);
  throwsConfig(() => read(fixtureDir('longer', { edit: (f) => (f[train] = Buffer.concat([f[train]!, Buffer.alloc(1)])) })), /longer\/train-images-idx3-ubyte/, /94096 bytes.*got 94097$/);
  const rows27 = (f: Record<string, Buffer>): void => {
    f[train]!.writeUInt32BE(27, 8);
    f[train] = f[train]!.subarray(0, 16 + 120 * 27 * 28);
  };
  throwsConfig(() => read(fixtureDir('rows', { edit: rows27 })), /rows\/train-images-idx3-ubyte/, /expected 28 × 28 images.*got 27 × 28$/);
  throwsConfig(
    () => read(fixtureDir('count', { edit: (f) => (f[IDX_FILES.trainLabels] = labelsFile(119)) })),
    /train-labels-idx1-ubyte/,
    /expected 120 labels.*got 119/,
  );
  throwsConfig(() => read(fixtureDir('label', { edit: (f) => (f[IDX_FILES.testLabels]![8 + 4] = 10) })), /t10k-labels-idx1-ubyte/, /labels below 10.*got 10 at index 4/);
  const badGz = fixtureDir('bad-gz', { gz: true });
  writeFileSync(join(badGz, `${train}.gz`), gzipSync(imagesFile(120)).subarray(0, 500));
  throwsConfig(() => read(badGz), /train-images-idx3-ubyte\.gz/, /corrupt or truncated gzip/);
  throwsConfig(() => readIdxBytes(root), /a regular IDX file/);
});

test('missing files: one line saying where it looked and how to get them', () => {
  const empty = join(root, 'empty');
  mkdirSync(empty);
  // fashion-mnist falls back to Debian's directory, which may be installed here: the message is checked on mnist
  assert.deepEqual(idxCandidates('fashion-mnist', undefined, { RADAM_RUN_DATA: empty }), [join(empty, 'fashion-mnist'), DEBIAN_FASHION_MNIST]);
  assert.deepEqual(idxCandidates('fashion-mnist', empty, { RADAM_RUN_DATA: root }), [empty], 'data.path alone when given');
  throwsConfig(() => locateIdx('mnist', undefined, { RADAM_RUN_DATA: empty }), new RegExp(`got none in "${empty}/mnist";`), /into a directory given as data\.path/);
  throwsConfig(
    () => locateIdx('fashion-mnist', empty),
    new RegExp(`got none in "${empty}";`),
    /apt-get install dataset-fashion-mnist/,
    /github\.com\/zalandoresearch\/fashion-mnist into a directory given as data\.path/,
  );
  throwsConfig(() => locateIdx('mnist', undefined, {}), /data\.path and \$RADAM_RUN_DATA are unset/);
  const part = fixtureDir('part');
  rmSync(join(part, IDX_FILES.testLabels));
  throwsConfig(() => locateIdx('mnist', part), /in ".*part", got no t10k-labels-idx1-ubyte \(raw or \.gz\)/);
  // $RADAM_RUN_DATA/<kind> comes first
  const env = join(root, 'env');
  fixtureDir('env/mnist');
  assert.equal(locateIdx('mnist', undefined, { RADAM_RUN_DATA: env }).trainImages, join(env, 'mnist', IDX_FILES.trainImages));
});

test('compare trains an MLP on a fixture IDX directory (exit 0)', () => {
  const dir = fixtureDir('e2e', { gz: true });
  const out = join(root, 'e2e-runs');
  const config = join(root, 'e2e.yaml');
  writeFileSync(
    config,
    [
      'name: idx-e2e',
      'steps: 30',
      'seeds: [0]',
      'log_every: 10',
      'model: { kind: mlp, hidden: [16] }',
      `data: { kind: mnist, batch: 8, path: ${JSON.stringify(dir)} }`,
      'eval: { every: 15, batches: 2 }',
      'optimizers: [{ kind: adam }, { kind: radam }]',
    ].join('\n'),
  );
  const r = spawnCli(['compare', config, '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /radam-s0/);
  assert.ok(existsSync(join(out, 'summary.csv')));
  const missing = spawnCli(['compare', config, '--out', out, '--set', `data.path=${join(root, 'nowhere')}`]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /expected the mnist IDX files, got none in/);
});

test('the real Fashion-MNIST files: counts, label histogram and pixel sums', (t) => {
  if (!existsSync(DEBIAN_FASHION_MNIST)) {
    t.skip(`${DEBIAN_FASHION_MNIST} is absent (apt-get install dataset-fashion-mnist)`);
    return;
  }
  const { train, test: t10k } = readIdxSet(locateIdx('fashion-mnist', DEBIAN_FASHION_MNIST));
  assert.equal(train.count, 60000);
  assert.equal(t10k.count, 10000);
  const histogram = (labels: Uint8Array): number[] => {
    const h = new Array<number>(10).fill(0);
    for (const l of labels) h[l]!++;
    return h;
  };
  assert.deepEqual(histogram(train.labels), new Array(10).fill(6000));
  assert.deepEqual(histogram(t10k.labels), new Array(10).fill(1000));
  // Sums of all pixel bytes, computed independently:
  //   python3 -c "import gzip; print(sum(gzip.open('/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz').read()[16:]))"
  const sum = (px: Uint8Array): number => px.reduce((a, v) => a + v, 0);
  assert.equal(sum(train.pixels), 3431114169);
  assert.equal(sum(t10k.pixels), 573469082);
});

test('epochs instead of steps: steps = ⌈epochs × 55000 / batch⌉, exactly one of the two, only with the MNIST kinds', () => {
  const config = (extra: Record<string, unknown>, data: Record<string, unknown> = { kind: 'fashion-mnist', batch: 128 }): unknown => ({
    name: 'e',
    model: { kind: 'linear' },
    data,
    optimizers: [{ kind: 'adam' }],
    ...extra,
  });
  assert.equal(validateExperiment(config({ epochs: 1 }), root).steps, 430); // 55000 / 128 = 429.7
  assert.equal(validateExperiment(config({ epochs: 2 }, { kind: 'mnist', batch: 100 }), root).steps, 1100);
  assert.equal(validateExperiment(config({ steps: 17 }), root).steps, 17);
  assert.equal(validateExperiment(config({ steps: 17 }), root).epochs, undefined);
  throwsConfig(() => validateExperiment(config({ steps: 5, epochs: 1 }), root), /^epochs: expected either steps or epochs, got both/);
  throwsConfig(() => validateExperiment(config({}), root), /^steps: expected steps \(or epochs/);
  throwsConfig(() => validateExperiment(config({ epochs: 1 }, { kind: 'blobs' }), root), /^epochs: expected epochs only with data\.kind "fashion-mnist" or "mnist".*got "blobs"/);
  throwsConfig(() => validateExperiment(config({ epochs: 1e6, log_every: 1e5 }, { kind: 'mnist', batch: 1 }), root), /^epochs: expected at most 10000000 steps, got 55000000000/);
});
