// The shipped neural configs: each loads, builds its model on its dataset, starts at the loss of an
// uninformed guess, and learns in a few dozen steps. (How well and how fast the full runs do is
// recorded in the configs' comments, not asserted here: that is minutes of CPU.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadExperiment } from '../src/config/load.js';
import { Arena } from '../src/nn/arena.js';
import { jsKernels } from '../src/wasm/kernels.js';
import { buildTask } from '../src/models/build.js';
import { buildDataset } from '../src/data/datasets.js';
import { createOptimizer } from '../src/optim/optimizer.js';
import { repoRoot } from './helpers.js';

const CONFIGS = ['lstm.json', 'mlp.yaml', 'transformer.yaml', 'text.yaml'];

for (const file of CONFIGS) {
  test(`configs/${file}: builds, starts near ln(classes), and Adam lowers the loss within 40 steps`, () => {
    const { experiment } = loadExperiment(join(repoRoot(), 'configs', file));
    assert.ok(experiment.data !== undefined);
    const dataset = buildDataset(experiment.data, 0);
    const classes = dataset.kind === 'tokens' ? dataset.vocab : dataset.outputDim;
    const { value } = Arena.build((arena) => {
      const task = buildTask(experiment.model, experiment.data, arena, 0);
      const optimizer = createOptimizer({ ...experiment.optimizers.find((o) => o.kind === 'adam')!, schedule: { kind: 'constant' } }, task.params.data.length, arena);
      return { task, optimizer };
    }, jsKernels);
    const { task, optimizer } = value;
    // PyTorch's default init gives small logits, so the first loss is close to the uniform guess ln K.
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
