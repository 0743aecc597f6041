// An experiment shaped like experiments/fmnist-*.yaml, end to end on a fixture IDX directory: a
// one-point sweep (so it resumes) with eval.test, whose claims judge test accuracy, and whose sweep
// files and tables carry the test accuracy of each run and its mean over seeds.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeSquaresIdx } from './idx-fixtures.js';
import { assertClose, spawnCli } from './helpers.js';

const root = mkdtempSync(join(tmpdir(), 'radam-exp-test-'));
after(() => rmSync(root, { recursive: true, force: true }));

function csv(file: string): Record<string, string>[] {
  const [header, ...rows] = readFileSync(file, 'utf8').trim().split('\n').map((l) => l.split(','));
  return rows.map((r) => Object.fromEntries(header!.map((h, i) => [h, r[i]!])));
}

test('reproduce a one-point sweep with eval.test: claims on test accuracy, and the test accuracy in runs.csv, sweep_summary.csv and the table', () => {
  // 10 classes, each a bright square of its own place: 600 training images (550 train, 50 val), 40 test images
  const dir = writeSquaresIdx(join(root, 'squares'), 600, 40);
  const config = join(root, 'exp.yaml');
  writeFileSync(
    config,
    [
      'name: squares',
      'steps: 60',
      'seeds: [0, 1]',
      'model: { kind: linear }',
      `data: { kind: fashion-mnist, batch: 16, path: ${JSON.stringify(dir)} }`,
      'eval: { every: 30, batches: 3, test: true }',
      'optimizers: [{ kind: adam, lr: 0.01 }, { kind: radam, lr: 0.01 }]',
      'sweep: { params: {} }',
      'claims:',
      '  - { metric: final_test_accuracy, optimizer: adam, above: 0.9 }',
      '  - { metric: final_test_accuracy, optimizer: radam, better_than: adam, by_abs: -0.5 }',
      '  - { metric: final_test_accuracy, optimizer: radam, above: 1 }',
    ].join('\n'),
  );
  const out = join(root, 'out');
  const r = spawnCli(['reproduce', config, '--out', out]);
  // the last claim cannot hold (accuracy is at most 1): exit 1, the first two pass
  assert.equal(r.code, 1, r.stderr);
  assert.deepEqual(csv(join(out, 'claims.csv')).map((c) => c.status), ['PASS', 'PASS', 'FAIL']);
  assert.match(r.stdout, /test acc/);
  // each run's test accuracy in runs.csv is its summary's; the sweep summary holds their mean per optimizer
  const runs = csv(join(out, 'runs.csv'));
  assert.equal(runs.length, 4);
  const stored = new Map(readdirSync(join(out, 'runs')).map((id) => [id, JSON.parse(readFileSync(join(out, 'runs', id, 'summary.json'), 'utf8')) as { summary: { final_test_accuracy: number } }]));
  for (const run of runs) assert.equal(Number(run.final_test_accuracy), stored.get(run.id!)!.summary.final_test_accuracy);
  for (const point of csv(join(out, 'sweep_summary.csv'))) {
    const mine = runs.filter((x) => x.optimizer === point.optimizer).map((x) => Number(x.final_test_accuracy));
    assert.equal(mine.length, 2);
    assertClose(Number(point.final_test_accuracy_mean), (mine[0]! + mine[1]!) / 2, 1e-12);
  }
  // 40 test images: every accuracy is a multiple of 1/40
  for (const run of runs) assertClose(Number(run.final_test_accuracy) * 40, Math.round(Number(run.final_test_accuracy) * 40), 1e-9);
});
