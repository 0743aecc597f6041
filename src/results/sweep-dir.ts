// A sweep's output directory OUT: what it holds, and claiming it. sweep.json (the plan, created
// exclusively) marks OUT as the output of one sweep; shards of that sweep share it, any other sweep is
// refused unless it takes OUT over with --force. The runs live in OUT/runs (run-store.ts), the
// aggregates beside them (aggregate.ts).
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../base/errors.js';
import { removeStaleTemps, writeFileAtomic, writeFileExclusive } from './atomic.js';
import { unusableOutput } from './fs-errors.js';
import { checkOutputPath } from './paths.js';
import { RunId } from './run-store.js';
import { readJson } from './read.js';

/** What a sweep writes into OUT (besides claims and reports). */
export const SWEEP_FILES = ['sweep.json', 'runs', 'live', 'runs.csv', 'sweep_summary.csv', 'sweep_summary.json', 'lr_robustness.csv'];

/** What plot needs of a sweep: the plan, and the three aggregates written together when its runs end. */
export const SWEEP_PLOTTED = ['sweep.json', 'lr_robustness.csv', 'sweep_summary.csv', 'sweep_summary.json'];

/** OUT/sweep.json: the plan, what shards and merge compare (by sweep_id). Keys in the order they are written. */
export const SweepJson = z.object({
  name: z.string(),
  /** Hash of the ordered run ids: two outputs with the same sweep_id hold shards of the same sweep. */
  sweep_id: z.string(),
  method: z.enum(['grid', 'random']),
  params: z.array(z.string()),
  points: z.number(),
  runs: z.array(z.object({ id: RunId, optimizer: z.string(), seed: z.number(), point: z.record(z.string(), z.unknown()) })),
});
export type SweepJson = z.infer<typeof SweepJson>;

/**
 * OUT must be new, empty, or a sweep's output: never write a sweep into some other directory. What
 * an earlier attempt that failed before writing sweep.json left (an empty runs/, a temp file of
 * sweep.json) does not count.
 */
function checkSweepOut(given: string): string {
  const outDir = checkOutputPath('--out', given, 'directory');
  if (!existsSync(outDir) || existsSync(join(outDir, 'sweep.json'))) return outDir;
  removeStaleTemps(join(outDir, 'sweep.json'));
  const content = readdirSync(outDir).filter((e) => !(e === 'runs' && readdirSync(join(outDir, e)).length === 0));
  if (content.length > 0) throw new ConfigError(`--out ${given}: expected a new directory or the output of a sweep, got a directory without sweep.json`);
  return outDir;
}

/**
 * Claim OUT for this sweep: sweep.json is created exclusively, so of two different sweeps started
 * into one new OUT exactly one wins. Shards of the same sweep share OUT. Another sweep's OUT is
 * refused unless `force`; then sweep.json is replaced and the runs the two sweeps share (same id,
 * same spec) are reused, the others left alone.
 */
function claimSweepOut(outDir: string, given: string, plan: SweepJson, force: boolean, notice: (m: string) => void): void {
  const file = join(outDir, 'sweep.json');
  const text = JSON.stringify(plan, null, 2) + '\n';
  try {
    writeFileExclusive(file, text);
    return;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const existing = readSweepJson(outDir, given);
  if (existing.sweep_id === plan.sweep_id) return;
  if (!force) {
    throw new ConfigError(`--out ${given}: expected a new directory or the output of this sweep (${plan.sweep_id}), got the output of sweep "${existing.name}" (${existing.sweep_id}) (pass --force to take it over; runs both sweeps share are reused, the others are kept but not aggregated)`);
  }
  notice(`--force: ${given} held sweep "${existing.name}" (${existing.sweep_id}); it now holds ${plan.name} (${plan.sweep_id})`);
  writeFileAtomic(file, text);
}

/** Check, create and claim a sweep's OUT (with its runs/ directory). Returns its absolute path. */
export function openSweepOut(given: string, plan: SweepJson, force: boolean, notice: (m: string) => void): string {
  const outDir = checkSweepOut(given);
  try {
    mkdirSync(outDir, { recursive: true });
    claimSweepOut(outDir, given, plan, force, notice);
    mkdirSync(join(outDir, 'runs'), { recursive: true });
  } catch (err) {
    throw unusableOutput(err, `--out ${given}`, 'a directory radam-run can create and write');
  }
  return outDir;
}

/** The plan in `dir`/sweep.json (`given`: the directory as the user named it). */
export function readSweepJson(dir: string, given: string): SweepJson {
  if (!existsSync(join(dir, 'sweep.json'))) throw new ConfigError(`${given}: expected a sweep output directory (with a readable sweep.json), got none`);
  // there is one: say what is wrong with it (not JSON, or which field), naming the file
  return readJson(join(given, 'sweep.json'), SweepJson);
}
