// Properties every dataset shares: batches are a function of (seed, step) or (seed, index) alone, the
// validation stream is independent of training, and buffers are filled with the documented shapes.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSpec } from '../src/config/data.js';
import type { Dataset, TokenBatch, VectorBatch } from '../src/data/batch.js';
import { buildDataset } from '../src/data/datasets.js';
import { Rng } from '../src/base/rng.js';
import { allocTokenBatch, allocVectorBatch } from './data-fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'radam-data-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const corpusPath = join(dir, 'corpus.txt');
{
  const rng = new Rng(7, 'test/corpus');
  const letters = 'abcdefghij ';
  let text = '';
  for (let i = 0; i < 4000; i++) text += letters[rng.int(letters.length)];
  writeFileSync(corpusPath, text);
}

const specs = [
  { kind: 'blobs', batch: 8, classes: 3, dim: 5 },
  { kind: 'spirals', batch: 8, classes: 3 },
  { kind: 'teacher', batch: 8, in: 4, hidden: 6, out: 2, task: 'regression' },
  { kind: 'teacher', batch: 8, in: 4, hidden: 6, out: 3, task: 'classification' },
  { kind: 'markov-text', batch: 4, vocab: 5, order: 2, seq_len: 12, concentration: 0.5 },
  { kind: 'text-file', batch: 4, path: corpusPath, seq_len: 12 },
].map((s) => DataSpec.parse(s));

type AnyBatch = VectorBatch | TokenBatch;
const label = (ds: Dataset, i: number): string => `${specs[i]!.kind}${ds.kind === 'vectors' ? ` (${ds.task})` : ''}`;
const alloc = (ds: Dataset): AnyBatch => (ds.kind === 'vectors' ? allocVectorBatch(ds) : allocTokenBatch(ds));
const train = (ds: Dataset, step: number): AnyBatch => {
  const out = alloc(ds);
  (ds.fillTrain as (s: number, o: AnyBatch) => void)(step, out);
  return out;
};
const val = (ds: Dataset, index: number): AnyBatch => {
  const out = alloc(ds);
  (ds.fillVal as (i: number, o: AnyBatch) => void)(index, out);
  return out;
};

test('the same seed gives identical train and validation batches', () => {
  specs.forEach((spec, i) => {
    const a = buildDataset(spec, 3);
    const b = buildDataset(spec, 3);
    for (let step = 1; step <= 3; step++) assert.deepEqual(train(a, step), train(b, step), `${label(a, i)} train step ${step}`);
    assert.deepEqual(val(a, 0), val(b, 0), `${label(a, i)} val 0`);
    assert.deepEqual(a.info, b.info);
  });
});

test('a different seed gives different batches', () => {
  specs.forEach((spec, i) => {
    const a = buildDataset(spec, 3);
    const b = buildDataset(spec, 4);
    assert.notDeepEqual(train(a, 1), train(b, 1), `${label(a, i)} train`);
    assert.notDeepEqual(val(a, 0), val(b, 0), `${label(a, i)} val`);
  });
});

test('successive training steps give different batches', () => {
  specs.forEach((spec, i) => {
    const ds = buildDataset(spec, 3);
    assert.notDeepEqual(train(ds, 1), train(ds, 2), label(ds, i));
  });
});

test('validation batches differ from training batches and from each other', () => {
  specs.forEach((spec, i) => {
    const ds = buildDataset(spec, 3);
    assert.notDeepEqual(val(ds, 0), train(ds, 1), label(ds, i));
    assert.notDeepEqual(val(ds, 0), val(ds, 1), label(ds, i));
  });
});

test('validation batch i is the same whenever it is asked for, whatever training did in between', () => {
  specs.forEach((spec, i) => {
    const ds = buildDataset(spec, 3);
    const first = val(ds, 2);
    train(ds, 1);
    train(ds, 2);
    val(ds, 0);
    assert.deepEqual(val(ds, 2), first, label(ds, i));
  });
});

test('training batch `step` does not depend on the order steps are requested in', () => {
  specs.forEach((spec, i) => {
    const sequential = buildDataset(spec, 3);
    const expected = [1, 2, 3, 4].map((step) => train(sequential, step));
    const jumping = buildDataset(spec, 3);
    // out of order: a jump ahead, a replay from the start, a repeat
    assert.deepEqual(train(jumping, 3), expected[2], `${label(jumping, i)} step 3 first`);
    assert.deepEqual(train(jumping, 1), expected[0], `${label(jumping, i)} step 1 after 3`);
    assert.deepEqual(train(jumping, 4), expected[3], `${label(jumping, i)} step 4`);
    assert.deepEqual(train(jumping, 4), expected[3], `${label(jumping, i)} step 4 again`);
  });
});

test('vector batches: labels in [0, classes) for classification, finite inputs and targets', () => {
  specs.forEach((spec, i) => {
    const ds = buildDataset(spec, 3);
    if (ds.kind !== 'vectors') return;
    const out = train(ds, 1) as VectorBatch;
    assert.equal(out.x.length, ds.batch * ds.inputDim);
    assert.ok(out.x.every(Number.isFinite), label(ds, i));
    if (ds.task === 'classification') {
      assert.equal(out.targets.length, 0);
      assert.ok(out.labels.every((l) => l >= 0 && l < ds.outputDim), label(ds, i));
    } else {
      assert.equal(out.labels.length, 0);
      assert.ok(out.targets.every(Number.isFinite), label(ds, i));
    }
  });
});

test('token batches: ids in [0, vocab), targets[b, t] = inputs[b, t + 1]', () => {
  specs.forEach((spec, i) => {
    const ds = buildDataset(spec, 3);
    if (ds.kind !== 'tokens') return;
    const out = train(ds, 1) as TokenBatch;
    const T = ds.seqLen;
    assert.ok(out.inputs.every((s) => s >= 0 && s < ds.vocab), label(ds, i));
    assert.ok(out.targets.every((s) => s >= 0 && s < ds.vocab), label(ds, i));
    for (let b = 0; b < ds.batch; b++) {
      for (let t = 0; t + 1 < T; t++) assert.equal(out.targets[b * T + t], out.inputs[b * T + t + 1], `${label(ds, i)} b${b} t${t}`);
    }
  });
});

test('a batch buffer of the wrong size is refused (a caller bug)', () => {
  const ds = buildDataset(specs[0]!, 3);
  assert.equal(ds.kind, 'vectors');
  if (ds.kind !== 'vectors') return;
  const out = allocVectorBatch(ds);
  assert.throws(() => ds.fillTrain(1, { ...out, x: new Float32Array(1) }), /batch buffer x/);
});
