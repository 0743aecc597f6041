// The shipped configs the bench times (matmul and models sections): every config in configs/ with a
// neural model, and the run of each that is timed, its first optimizer and seed, planned as `compare` plans it.
import { existsSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { loadExperiment } from '../src/config/load.js';
import { acceptedData } from '../src/config/models.js';
import type { ModelSpec } from '../src/config/models.js';
import type { DataSpec } from '../src/config/data.js';
import type { ResolvedExperiment } from '../src/config/schema.js';
import { buildDataset } from '../src/data/datasets.js';
import { planCompare } from '../src/run/plan.js';
import type { RunSpec } from '../src/train/train.js';
import type { KernelSet } from '../src/wasm/kernels.js';
import { ROOT } from './options.js';

export interface ConfigCase {
  /** e.g. "configs/lstm.json" */
  name: string;
  experiment: ResolvedExperiment;
  model: ModelSpec;
  data: DataSpec;
  /** Vocabulary size for text-file data (known only once the file is read). */
  vocab: number | undefined;
}

/** The run of `c` the bench times: the first that `compare` would run (first optimizer, first seed), under `kernels`. */
export function timedRun(c: ConfigCase, kernels: KernelSet): RunSpec {
  return planCompare(c.experiment, { kernels })[0]!;
}

/** Neural-model configs in `dir` (analytic ones have nothing to time here); what is left out goes to `notes`. */
export function findConfigs(dir: string, notes: string[]): ConfigCase[] {
  if (!existsSync(dir)) return [];
  const rel = relative(ROOT, dir);
  const prefix = rel === '' ? '.' : rel.startsWith('..') ? dir : rel;
  const cases: ConfigCase[] = [];
  const analytic: string[] = [];
  for (const file of readdirSync(dir).filter((f) => /\.(json|ya?ml)$/.test(f)).sort()) {
    const name = `${prefix}/${file}`;
    try {
      const { experiment } = loadExperiment(join(dir, file));
      const { model, data } = experiment;
      if (acceptedData(model.kind).length === 0 || !data) {
        analytic.push(name);
        continue;
      }
      cases.push({ name, experiment, model, data, vocab: vocabOf(data, experiment.seeds[0]!) });
    } catch (err) {
      notes.push(`${name}: not timed (${(err as Error).message.split('\n')[0]})`);
    }
  }
  if (analytic.length > 0) notes.push(`analytic configs are not timed: ${analytic.join(', ')}`);
  return cases;
}

/** A text file's vocabulary, read off its dataset; undefined for other data. */
function vocabOf(data: DataSpec, seed: number): number | undefined {
  if (data.kind !== 'text-file') return undefined;
  const dataset = buildDataset(data, seed);
  return dataset.kind === 'tokens' ? dataset.vocab : undefined;
}
