// Build a run's Task (model + data) from the experiment's spec and a seed.
import type { Arena } from '../nn/arena.js';
import type { ModelSpec } from '../config/models.js';
import type { DataSpec } from '../config/data.js';
import type { Dataset } from '../data/batch.js';
import { buildDataset } from '../data/datasets.js';
import { ConfigError } from '../base/errors.js';
import { buildAnalytic } from './analytic.js';
import { buildMlp } from './mlp.js';
import { buildCnn } from './cnn.js';
import { buildLstm } from './lstm.js';
import { buildTransformer } from './transformer.js';
import type { Task } from './task.js';

type NeuralSpec = Extract<ModelSpec, { kind: 'linear' | 'mlp' | 'cnn' | 'lstm' | 'transformer' }>;

/**
 * `dataset` may be passed already built from `data` (Arena.build runs its builder twice; building the
 * dataset once outside it avoids reading a text file or solving a Markov chain twice).
 */
export function buildTask(model: ModelSpec, data: DataSpec | undefined, arena: Arena, seed: number, dataset?: Dataset): Task {
  switch (model.kind) {
    case 'rosenbrock':
    case 'quadratic':
    case 'rastrigin':
      return buildAnalytic(model, arena, seed);
    case 'linear':
    case 'mlp':
    case 'cnn':
    case 'lstm':
    case 'transformer':
      if (data === undefined) throw new ConfigError(`data: expected a dataset for model "${model.kind}", got none`);
      // The dataset shares the run's seed: every optimizer of a seed sees the same problem and batches.
      return buildNeural(model, dataset ?? buildDataset(data, seed), arena, seed);
  }
}

/** A neural model on a built dataset; the dataset's shape must match the model (vectors or tokens). */
export function buildNeural(model: NeuralSpec, dataset: Dataset, arena: Arena, seed: number): Task {
  switch (model.kind) {
    case 'linear':
    case 'mlp':
      if (dataset.kind !== 'vectors') throw new ConfigError(`data: expected vector data for model "${model.kind}", got token sequences`);
      return buildMlp(model, dataset, arena, seed);
    case 'cnn':
      if (dataset.kind !== 'vectors') throw new ConfigError(`data: expected images for model "cnn", got token sequences`);
      return buildCnn(model, dataset, arena, seed);
    case 'lstm':
      if (dataset.kind !== 'tokens') throw new ConfigError(`data: expected token sequences for model "lstm", got vector data`);
      return buildLstm(model, dataset, arena, seed);
    case 'transformer':
      if (dataset.kind !== 'tokens') throw new ConfigError(`data: expected token sequences for model "transformer", got vector data`);
      return buildTransformer(model, dataset, arena, seed);
  }
}
