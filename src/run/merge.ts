// Merging the outputs of the shards of one sweep: their complete runs are copied into one OUT and
// aggregated there. Aggregates are a function of the stored runs alone, so a merge of all shards
// reproduces the files of an unsharded sweep.
import { join, resolve } from 'node:path';
import { ConfigError } from '../base/errors.js';
import { writeAggregate, type SweepAggregate } from '../results/aggregate.js';
import { SaveError } from '../results/fs-errors.js';
import { copyRun, runProblem, scanRuns } from '../results/run-store.js';
import { openSweepOut, readSweepJson, type SweepJson } from '../results/sweep-dir.js';

export interface MergeResult {
  outDir: string;
  plan: { name: string; sweep_id: string; runs: number };
  complete: number;
  /** Runs recorded as crashed among the complete ones (a sweep rerun retries them). */
  failed: number;
  aggregate: SweepAggregate;
}

/**
 * Combine shard outputs of one sweep into OUT, refusing outputs of different sweeps. When runs are
 * missing, the aggregates say so (see writeAggregate) and the caller reports it.
 */
export function mergeSweeps(dirs: string[], out: string, notice: (m: string) => void = () => {}): MergeResult {
  if (dirs.length === 0) throw new ConfigError('merge: expected at least one sweep output directory, got none');
  const plans = dirs.map((d) => readSweepJson(d, d));
  const first = plans[0]!;
  plans.forEach((p, i) => {
    if (p.sweep_id !== first.sweep_id) {
      throw new ConfigError(`merge: ${dirs[i]} holds sweep "${p.name}" (${p.sweep_id}) but ${dirs[0]} holds "${first.name}" (${first.sweep_id}); shards of different sweeps cannot be merged`);
    }
  });
  const outDir = openSweepOut(out, first, false, notice);
  // runs already complete in OUT (an earlier merge into it) count and are not copied again
  const complete = scanRuns(outDir, new Set(first.runs.map((r) => r.id)), notice);
  for (const dir of dirs) copyComplete(dir, outDir, out, first, complete, notice);
  let written: ReturnType<typeof writeAggregate>;
  try {
    written = writeAggregate(outDir, first, complete);
  } catch (err) {
    throw SaveError.from(err, 'the aggregated files', `the merged runs are in ${out}/runs`) ?? err;
  }
  const failed = written.stored.filter((s) => s.status === 'failed').length;
  return { outDir, plan: { name: first.name, sweep_id: first.sweep_id, runs: first.runs.length }, complete: complete.size, failed, aggregate: written.aggregate };
}

/** Copy the runs of `plan` complete in shard output `dir` and not yet in OUT (`complete`) into OUT. */
function copyComplete(dir: string, outDir: string, out: string, plan: SweepJson, complete: Set<string>, notice: (m: string) => void): void {
  const from = resolve(dir);
  for (const run of plan.runs) {
    if (complete.has(run.id)) continue;
    const problem = runProblem(from, run.id);
    if (problem === 'missing') continue;
    if (problem) {
      notice(`${join(dir, 'runs', run.id)}: incomplete or corrupt (${problem}); not merged`);
      continue;
    }
    try {
      if (from !== outDir) copyRun(from, outDir, run.id);
    } catch (err) {
      throw SaveError.from(err, `run ${run.id}`, `the runs merged so far are in ${out}/runs; run the same merge again to finish`) ?? err;
    }
    complete.add(run.id);
  }
}
