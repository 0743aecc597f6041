// Planning: an experiment becomes one RunSpec per optimizer × seed, in a fixed order (optimizers as
// listed, then seeds), which is also the order of rows in every output file.
import type { ResolvedExperiment } from '../config/schema.js';
import type { RunSpec } from '../train/train.js';

export function planCompare(exp: ResolvedExperiment): RunSpec[] {
  const specs: RunSpec[] = [];
  for (const optimizer of exp.optimizers) {
    for (const seed of exp.seeds) {
      specs.push({
        run: `${optimizer.name}-s${seed}`,
        seed,
        optimizer,
        steps: exp.steps,
        logEvery: exp.log_every,
        model: exp.model,
        data: exp.data,
        eval: exp.eval,
      });
    }
  }
  return specs;
}
