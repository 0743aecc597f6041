// Planning: an experiment becomes one RunSpec per optimizer × seed, in a fixed order (optimizers as
// listed, then seeds), which is also the order of rows in every output file.
import type { ResolvedExperiment } from '../config/schema.js';
import type { RunSpec } from '../train/train.js';
import { resolveKernels, type KernelSet } from '../wasm/kernels.js';

export interface PlanOptions {
  /** Kernel set of every run (default: wasm where the runtime supports it, else js). */
  kernels?: KernelSet;
}

export function planCompare(exp: ResolvedExperiment, options: PlanOptions = {}): RunSpec[] {
  const kernels = options.kernels ?? resolveKernels('wasm').kernels;
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
        kernels,
      });
    }
  }
  return specs;
}
