// The cnn model kind and the DeepOBS initialisation: a tiny CNN trained end to end by `compare` on a
// fixture IDX directory, the config errors of a cnn, and the truncated-normal initialiser's law.
// (Its gradients are checked in models-gradcheck.test.ts, its arena size in limits.test.ts.)
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../src/base/errors.js';
import { Rng } from '../src/base/rng.js';
import { Cnn, Mlp } from '../src/config/models.js';
import { validateExperiment } from '../src/config/load.js';
import { Arena } from '../src/nn/arena.js';
import { jsKernels } from '../src/wasm/kernels.js';
import { buildMlp } from '../src/models/mlp.js';
import { cnnPlanes } from '../src/models/cnn.js';
import { initTruncatedNormal } from '../src/models/init.js';
import { toyVectors } from './models-fixtures.js';
import { writeSquaresIdx } from './idx-fixtures.js';
import { spawnCli } from './helpers.js';

const root = mkdtempSync(join(tmpdir(), 'radam-cnn-'));
after(() => rmSync(root, { recursive: true, force: true }));

test('compare trains a tiny CNN on a fixture IDX directory: exit 0, and it learns the classes', () => {
  // 600 training images: 550 train, 50 validation; 10 classes, each a bright square of its own place.
  const dir = writeSquaresIdx(join(root, 'squares'), 600, 40);
  const out = join(root, 'runs');
  const config = join(root, 'cnn.yaml');
  writeFileSync(
    config,
    [
      'name: cnn-e2e',
      'steps: 100',
      'seeds: [0]',
      'log_every: 10',
      'model: { kind: cnn, conv: [{ channels: 4, kernel: 5 }, { channels: 8, kernel: 3 }], dense: [16] }',
      `data: { kind: fashion-mnist, batch: 16, path: ${JSON.stringify(dir)} }`,
      'eval: { every: 50, batches: 3 }',
      'optimizers: [{ kind: adam, lr: 0.01 }, { kind: radam, lr: 0.01 }]',
    ].join('\n'),
  );
  const r = spawnCli(['compare', config, '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  const [header, ...rows] = readFileSync(join(out, 'summary.csv'), 'utf8').trim().split('\n').map((l) => l.split(','));
  const column = header!.indexOf('final_val_accuracy');
  assert.ok(column >= 0, header!.join(','));
  assert.equal(rows.length, 2);
  // Chance is 0.1; the squares are separable at a glance.
  for (const row of rows) assert.ok(Number(row[column]) >= 0.9, `${row[0]}: final_val_accuracy ${row[column]}`);
});

test('a cnn takes only 28×28 images: any other dataset is one config error naming the accepted kinds', () => {
  assert.throws(
    () => validateExperiment({ name: 'x', steps: 1, model: { kind: 'cnn' }, data: { kind: 'blobs' }, optimizers: [{ kind: 'adam' }] }, root),
    (e: unknown) => e instanceof ConfigError && /expected a dataset of kind "fashion-mnist" or "mnist" for model "cnn", got/.test(e.message) && !e.message.includes('\n'),
  );
});

test('cnn planes: the DeepOBS 2c2d defaults flatten to 3136 features; a plane that vanishes is a config error naming the layer', () => {
  const planes = cnnPlanes(Cnn.parse({ kind: 'cnn' }));
  assert.deepEqual(planes.map(({ C, H, W }) => [C, H, W]), [[1, 28, 28], [32, 14, 14], [64, 7, 7]]);
  const tiny = Cnn.parse({ kind: 'cnn', conv: [{ channels: 2 }, { channels: 2 }, { channels: 2 }, { channels: 2 }, { channels: 2 }] });
  // 28 → 14 → 7 → 3 → 1, then a 1×1 plane cannot hold a 2×2 window.
  assert.throws(() => cnnPlanes(tiny), (e: unknown) => e instanceof ConfigError && /^model\.conv\[4\]: expected a conv output of at least the 2×2 pool window, got 1×1$/.test(e.message));
  const valid = Cnn.parse({ kind: 'cnn', conv: [{ channels: 2, kernel: 29, padding: 'valid' }] });
  assert.throws(() => cnnPlanes(valid), /model\.conv\[0\]\.kernel: expected at most the input plane 28×28/);
});

test('truncated normal: every weight within ±2σ, mean 0 and the truncated law’s σ·0.8796 spread', () => {
  const w = new Float32Array(200_000);
  initTruncatedNormal({ w } as never, 0.05, new Rng(3, 'init'));
  let sum = 0;
  let sq = 0;
  for (const x of w) {
    assert.ok(Math.abs(x) <= 0.1 + 1e-9, `|${x}| > 2σ`);
    sum += x;
    sq += x * x;
  }
  const mean = sum / w.length;
  // Var of N(0, 1) truncated at ±2: 1 − 2·2φ(2)/(Φ(2) − Φ(−2)) = 1 − 4·0.053991/0.954500 = 0.773740 → sd 0.879625.
  assert.ok(Math.abs(mean) < (4 * 0.05 * 0.88) / Math.sqrt(w.length), `mean ${mean}`); // 4 standard errors
  assert.ok(Math.abs(Math.sqrt(sq / w.length - mean * mean) / 0.05 - 0.879625) < 0.005, `sd ${Math.sqrt(sq / w.length)}`);
});

test('mlp init: { kind: pytorch } is the default, and truncated-normal sets weights within 2σ and every bias to b', () => {
  const data = toyVectors('classification', 4, 6, 3);
  const params = (init: object | undefined) =>
    Arena.build((a) => buildMlp(Mlp.parse({ kind: 'mlp', hidden: [5], ...(init ? { init } : {}) }), data, a, 1), jsKernels).value.params;
  assert.deepEqual(params({ kind: 'pytorch' }).data, params(undefined).data);
  const tn = params({ kind: 'truncated-normal', std: 0.03, bias: 0.5 });
  for (const v of tn.views) {
    const values = [...tn.data.subarray(v.offset, v.offset + v.shape.reduce((a, b) => a * b, 1))];
    if (v.name.endsWith('.b')) assert.deepEqual(values, values.map(() => 0.5), v.name);
    else assert.ok(values.every((x) => Math.abs(x) <= 0.06 + 1e-9) && values.some((x) => x !== 0), v.name);
  }
});
