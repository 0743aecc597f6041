// The shipped neural configs: each loads, builds its model on its dataset, starts at the loss of an
// uninformed guess, and learns in a few dozen steps. (How well and how fast the full runs do is
// recorded in the configs' comments, not asserted here: that is minutes of CPU.) The Fashion-MNIST
// configs need the real files and run here at batch 16 on the run's default kernels (wasm where it
// runs: 2c2d on the JS kernels takes minutes); they skip, saying so, when the files are absent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadExperiment } from '../src/config/load.js';
import { Arena } from '../src/nn/arena.js';
import { createKernels, resolveKernels } from '../src/wasm/kernels.js';
import { buildTask } from '../src/models/build.js';
import { buildDataset } from '../src/data/datasets.js';
import { createOptimizer } from '../src/optim/optimizer.js';
import { repoRoot } from './helpers.js';
import { fashionMnistMissing } from './idx-fixtures.js';

const CONFIGS = ['lstm.json', 'mlp.yaml', 'transformer.yaml', 'text.yaml', 'fmnist-logreg.yaml', 'fmnist-mlp.yaml', 'fmnist-2c2d.yaml'];

/** Why a config cannot run here (its data files are absent), or undefined. */
function missingData(file: string): string | undefined {
  return file.startsWith('fmnist-') ? fashionMnistMissing() : undefined;
}

for (const file of CONFIGS) {
  test(`configs/${file}: builds, starts near ln(classes), and Adam lowers the loss within 40 steps`, (t) => {
    const missing = missingData(file);
    if (missing !== undefined) {
      t.skip(missing);
      return;
    }
    const fmnist = file.startsWith('fmnist-');
    const set = fmnist ? ['data.batch=16'] : [];
    const { experiment } = loadExperiment(join(repoRoot(), 'configs', file), { set });
    assert.ok(experiment.data !== undefined);
    const dataset = buildDataset(experiment.data, 0);
    const classes = dataset.kind === 'tokens' ? dataset.vocab : dataset.outputDim;
    const { value } = Arena.build((arena) => {
      const task = buildTask(experiment.model, experiment.data, arena, 0);
      const optimizer = createOptimizer({ ...experiment.optimizers.find((o) => o.kind === 'adam')!, schedule: { kind: 'constant' } }, task.params.data.length, arena);
      return { task, optimizer };
    }, createKernels(fmnist ? resolveKernels('wasm').kernels : 'js'));
    const { task, optimizer } = value;
    // PyTorch's default init (and DeepOBS's small σ) gives small logits: the first loss is close to the uniform guess ln K.
    const first = task.trainStep(1).loss;
    assert.ok(Math.abs(first - Math.log(classes)) < 0.35 * Math.log(classes), `first loss ${first}, ln K = ${Math.log(classes)}`);
    const lr = experiment.optimizers.find((o) => o.kind === 'adam')!.lr;
    optimizer.step(task.params.data, task.params.grad, 1, lr);
    let late = 0;
    for (let t = 2; t <= 40; t++) {
      const { loss } = task.trainStep(t);
      if (t > 30) late += loss / 10;
      optimizer.step(task.params.data, task.params.grad, t, lr);
    }
    assert.ok(late < first - 0.1, `loss ${first} → ${late} (mean of steps 31–40)`);
  });
}
