// Checks of planned runs before any output is written or any worker started: what would otherwise
// fail every run (or the first one) after minutes of work is a ConfigError up front.
import { ConfigError } from '../base/errors.js';
import type { RunSpec } from '../train/train.js';
import { sizeChecker } from '../models/size.js';
import { buildDataset } from '../data/datasets.js';

/**
 * Check runs before any output is written. First by arithmetic, for every spec and with nothing
 * allocated: a model too large for its arena, a transformer context shorter than the data's windows,
 * an unusable text file (each read once). Then a Markov chain of the first run is built, the one
 * dataset that can still fail (too slow to mix), so that is a ConfigError here, not a failed run.
 */
export function preflight(specs: readonly RunSpec[]): void {
  const problems = sizeChecker()(specs);
  if (problems.length > 0) throw new ConfigError(problems);
  const first = specs[0];
  if (first?.data?.kind === 'markov-text') buildDataset(first.data, first.seed);
}
