// eval.test (src/train/test-split.ts): split=test rows in curves.csv at each evaluation and after the
// last step, final_test_* last in the summary, and the test numbers over every test image exactly once,
// checked against an evaluation of the trained parameters computed here; refused without a test split.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../src/base/errors.js';
import { validateExperiment } from '../src/config/load.js';
import { summaryCsv } from '../src/results/run-files.js';
import { DataSpec } from '../src/config/data.js';
import { buildDataset } from '../src/data/datasets.js';
import type { Task } from '../src/models/task.js';
import { testSplit } from '../src/train/test-split.js';
import { buildRun, train, trainingStep, type EvalRecord, type RunSpec } from '../src/train/train.js';
import { allocVectorBatch } from './data-fixtures.js';
import { assertClose, spawnCli } from './helpers.js';
import { writeIdxFixture } from './idx-fixtures.js';

const root = mkdtempSync(join(tmpdir(), 'radam-evaltest-'));
after(() => rmSync(root, { recursive: true, force: true }));

const PIXELS = 28 * 28;
const TEST_IMAGES = 30;
/** 30 test images in batches of 8: three full batches and a last one of 6. */
const dir = writeIdxFixture(join(root, 'idx'), { test: TEST_IMAGES });

function config(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'evaltest',
    steps: 5,
    seeds: [0],
    model: { kind: 'linear' },
    data: { kind: 'fashion-mnist', batch: 8, path: dir },
    eval: { every: 2, batches: 1, test: true },
    optimizers: [{ kind: 'adam', lr: 0.01 }],
    ...extra,
  };
}

function runSpec(kernels: 'js' | 'wasm'): RunSpec {
  const exp = validateExperiment(config(), root);
  return { run: 'adam-s0', seed: 0, optimizer: exp.optimizers[0]!, steps: exp.steps, logEvery: exp.log_every, model: exp.model, data: exp.data, eval: exp.eval, kernels };
}

/** Mean cross-entropy and accuracy of the linear model's parameters (fc0.w 10×784, then fc0.b) on the fixture's test images, in f64. */
function testSetByHand(params: Float32Array): { loss: number; accuracy: number } {
  const bias = 10 * PIXELS;
  let loss = 0;
  let correct = 0;
  for (let i = 0; i < TEST_IMAGES; i++) {
    // test image i as test/idx-fixtures.ts writes it
    const x = new Array<number>(PIXELS);
    for (let j = 3; j < PIXELS; j++) x[j] = (i + j) % 256;
    x[0] = i % 256;
    x[1] = Math.floor(i / 256);
    x[2] = 254;
    const logits = Array.from({ length: 10 }, (_, k) => params[bias + k]! + x.reduce((s, v, j) => s + params[k * PIXELS + j]! * (v / 255), 0));
    const max = Math.max(...logits);
    const logSum = Math.log(logits.reduce((s, l) => s + Math.exp(l - max), 0)) + max;
    loss += logSum - logits[i % 10]!;
    if (logits.indexOf(max) === i % 10) correct++;
  }
  return { loss: loss / TEST_IMAGES, accuracy: correct / TEST_IMAGES };
}

/**
 * A task whose "model" reads each row's test image id i (pixels 0 and 1 of the fixture) and scores
 * loss i and a correct prediction when i is a multiple of 3: the test pass must give the mean id and
 * the fraction of multiples of 3 over images 0..N−1, each counted once.
 */
function idTask(split: ReturnType<typeof testSplit>): Task {
  const batch = allocVectorBatch(split.dataset);
  const B = split.dataset.batch;
  return {
    params: { data: new Float32Array(0), grad: new Float32Array(0), views: [] },
    info: {},
    trainStep: () => ({ loss: 0 }),
    evaluate(batches) {
      let loss = 0;
      let correct = 0;
      for (let k = 0; k < batches; k++) {
        split.dataset.fillVal(k, batch);
        for (let b = 0; b < B; b++) {
          const id = Math.round(batch.x[b * PIXELS]! * 255) + 256 * Math.round(batch.x[b * PIXELS + 1]! * 255);
          loss += id;
          if (id % 3 === 0) correct++;
        }
      }
      return { loss: loss / (batches * B), accuracy: correct / (batches * B) };
    },
  };
}

test('the test pass counts every test image exactly once: a last partial batch, none, and fewer images than a batch', () => {
  for (const [images, batch] of [[30, 8], [32, 8], [5, 8], [31, 3]] as const) {
    const path = writeIdxFixture(join(root, `ids-${images}-${batch}`), { test: images });
    const split = testSplit(buildDataset(DataSpec.parse({ kind: 'mnist', path, batch }), 0));
    const r = split.evaluate(idTask(split));
    let multiples = 0;
    for (let i = 0; i < images; i++) if (i % 3 === 0) multiples++;
    assertClose(r.loss, (images - 1) / 2, 1e-12, 0, `${images} images, batch ${batch}: mean id`);
    assert.equal(r.accuracy, multiples / images, `${images} images, batch ${batch}: fraction of multiples of 3`);
  }
  assert.throws(() => testSplit(buildDataset(DataSpec.parse({ kind: 'blobs', batch: 8 }), 0)), /eval\.test: expected a dataset with a test split/);
});

for (const kernels of ['js', 'wasm'] as const) {
  test(`eval.test: test records after steps 2, 4 and the last (5), equal to the trained parameters' loss and accuracy over the 30 test images (${kernels})`, () => {
    const evals: EvalRecord[] = [];
    const summary = train(runSpec(kernels), { step: () => {}, eval: (r) => evals.push({ ...r }), tick: () => {} });
    assert.deepEqual(
      evals.map((e) => `${e.step} ${e.split}`),
      ['2 val', '2 test', '4 val', '4 test', '5 val', '5 test'],
    );
    const run = buildRun(runSpec(kernels));
    for (let t = 1; t <= 5; t++) trainingStep(run, t);
    const byHand = testSetByHand(run.task.params.data);
    assert.equal(summary.finalTestAccuracy, byHand.accuracy);
    assertClose(summary.finalTestLoss!, byHand.loss, 1e-5, 0, 'final test loss');
    const last = evals.at(-1)!;
    assert.equal(last.accuracy, summary.finalTestAccuracy);
    assert.equal(last.loss, summary.finalTestLoss);
    // the parameters moved between evaluations, so the test numbers are not constants
    assert.notEqual(evals[1]!.loss, last.loss);
  });
}

test('compare with eval.test: split=test rows in curves.csv, final_test_loss / final_test_accuracy last in summary.csv', () => {
  const path = join(root, 'evaltest.yaml');
  writeFileSync(path, JSON.stringify(config()));
  const out = join(root, 'runs');
  const r = spawnCli(['compare', path, '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /test acc/);
  const curves = readFileSync(join(out, 'curves.csv'), 'utf8').trim().split('\n');
  const testRows = curves.filter((l) => l.split(',')[4] === 'test');
  assert.deepEqual(
    testRows.map((l) => l.split(',')[3]),
    ['2', '4', '5'],
  );
  const [header, row] = readFileSync(join(out, 'summary.csv'), 'utf8').trim().split('\n');
  assert.deepEqual(header!.split(',').slice(-3), ['diverged_reason', 'final_test_loss', 'final_test_accuracy']);
  const cells = row!.split(',');
  assert.equal(cells.at(-1), testRows.at(-1)!.split(',')[6]);
  assert.equal(cells.at(-2), testRows.at(-1)!.split(',')[5]);
  const json = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { runs: Record<string, unknown>[] };
  assert.deepEqual(Object.keys(json.runs[0]!).slice(-2), ['final_test_loss', 'final_test_accuracy']);
  assert.equal(typeof json.runs[0]!.final_test_accuracy, 'number');
});

test('without eval.test the two summary columns are there and empty, and no test rows are written', () => {
  const evals: EvalRecord[] = [];
  const spec = { ...runSpec('js'), eval: { every: 2, batches: 1 } };
  const summary = train(spec, { step: () => {}, eval: (r) => evals.push({ ...r }), tick: () => {} });
  assert.ok(evals.every((e) => e.split === 'val'));
  assert.equal(summary.finalTestAccuracy, undefined);
  const [header, row] = summaryCsv([summary]).trim().split('\n');
  assert.equal(header!.split(',').at(-1), 'final_test_accuracy');
  assert.deepEqual(row!.split(',').slice(-2), ['', '']);
});

test('eval.test is refused on a dataset without a test split, in one line', () => {
  const blobs = config({ data: { kind: 'blobs', batch: 8 } });
  assert.throws(
    () => validateExperiment(blobs, root),
    (e: unknown) =>
      e instanceof ConfigError &&
      /^eval\.test: expected a dataset with a test split \(fashion-mnist or mnist\) for eval\.test, got data\.kind "blobs"$/.test(e.message),
  );
  // absent or false: accepted
  assert.equal(validateExperiment(config({ data: { kind: 'blobs', batch: 8 }, eval: { every: 2, test: false } }), root).eval?.test, false);
  assert.equal(validateExperiment(config({ data: { kind: 'blobs', batch: 8 }, eval: { every: 2 } }), root).eval?.test, undefined);
});

test('steps_per_second counts training time only: with an evaluation after every step it exceeds steps ÷ wall time', () => {
  // Every step is followed by a test pass over all 30 test images and 20 validation batches, so the
  // evaluations take a positive share of the wall time however fast the machine: steps ÷ (wall − eval)
  // is then strictly more than steps ÷ wall. (The old definition, steps ÷ wall, would be equal.)
  const exp = validateExperiment(config({ steps: 10, eval: { every: 1, batches: 20, test: true } }), root);
  const spec: RunSpec = { run: 'adam-s0', seed: 0, optimizer: exp.optimizers[0]!, steps: exp.steps, logEvery: 1, model: exp.model, data: exp.data, eval: exp.eval, kernels: 'js' };
  const s = train(spec, { step: () => {}, eval: () => {}, tick: () => {} });
  assert.equal(s.stepsDone, 10);
  assert.ok(s.stepsPerSecond > s.stepsDone / s.wallSeconds, `${s.stepsPerSecond} steps/s vs ${s.stepsDone / s.wallSeconds} over the wall time`);
});
