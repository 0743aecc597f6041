// Build a run's Task (model + data) from the experiment's spec and a seed.
import type { Arena } from '../nn/arena.js';
import type { ModelSpec } from '../config/models.js';
import type { DataSpec } from '../config/data.js';
import { buildAnalytic } from './analytic.js';
import type { Task } from './task.js';

export function buildTask(model: ModelSpec, _data: DataSpec | undefined, arena: Arena, seed: number): Task {
  switch (model.kind) {
    case 'rosenbrock':
    case 'quadratic':
    case 'rastrigin':
      return buildAnalytic(model, arena, seed);
  }
}
