// Running and merging sweeps. Each run's results live in OUT/runs/<id>/ (see run-store.ts) and appear
// there only by an atomic rename once complete, so a killed sweep loses at most its in-flight runs;
// running the same sweep into the same OUT again skips complete runs and redoes the rest. Aggregated
// files are a function of the completed runs alone (no timings), so merging shards reproduces an
// unsharded run.
import { existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import type { LoadedExperiment } from '../config/load.js';
import { ConfigError, InterruptedError, type StopSignal } from '../config/errors.js';
import { num } from '../report/csv.js';
import { checkOutputPath } from '../results/paths.js';
import { removeStaleTemps, writeFileAtomic, writeFileExclusive } from '../results/atomic.js';
import { SaveError, unusableOutput } from '../results/fs-errors.js';
import { aggregate, pointsCsv, robustnessCsv, type RunOutcome, type SweepAggregate } from '../report/aggregate.js';
import { preflight } from './compare.js';
import { executeRuns, type RunEvents } from './execute.js';
import type { KernelSet } from '../wasm/kernels.js';
import { planRuns, shardRuns, type PlannedRun, type Shard, type SweepPlan } from './sweep-plan.js';
import { copyRun, isRunComplete, readOutcome, readStoredSummary, runProblem, scanRuns, writeRun, type StoredSummary } from './run-store.js';

export type { StoredSummary } from './run-store.js';

export interface SweepEvents extends RunEvents {
  /** Things the user should know that are not errors: skipped, corrupt or foreign entries. */
  notice?(message: string): void;
  /** After scanning OUT: how many runs of this shard are still to do and how many were complete. */
  planned?(todo: PlannedRun[], skipped: number): void;
}

export interface SweepOptions {
  out: string;
  workers?: number;
  shard?: Shard;
  signal?: AbortSignal;
  events?: SweepEvents;
  /** Kernel set of the runs (default: see planRuns); part of every run id. */
  kernels?: KernelSet;
  /** Take over an OUT that holds another sweep (see claimSweepOut). */
  force?: boolean;
}

export interface SweepResult {
  plan: SweepPlan;
  outDir: string;
  /** Runs of this shard (all runs when not sharded). */
  assigned: number;
  /** Runs of this shard found complete before starting. */
  skipped: number;
  /** Runs of this shard completed now. */
  ran: number;
  /** Runs of this shard that crashed now (recorded as failed; a bug or a data error). */
  failed: number;
  /** Runs of this shard not complete when the command ended (interrupted). */
  remaining: number;
  interrupted: boolean;
  /** The signal that interrupted it (Ctrl-C or SIGTERM), if one did. */
  signal: StopSignal | undefined;
  /** Completed runs of the whole plan present in OUT (all shards that wrote there). */
  complete: number;
  /** Their ids. */
  completeIds: ReadonlySet<string>;
  aggregate: SweepAggregate;
}

/** The plan as written to OUT/sweep.json: what merge compares. */
interface PlanJson {
  name: string;
  sweep_id: string;
  method: 'grid' | 'random';
  params: string[];
  points: number;
  runs: { id: string; optimizer: string; seed: number; point: Record<string, unknown> }[];
}

/** What aggregation needs of a plan: also recoverable from a sweep.json, as merge does. */
type PlanOutline = Pick<SweepPlan, 'name' | 'sweepId' | 'params'> & { runs: PlanJson['runs'] };

function planJson(plan: SweepPlan): PlanJson {
  return {
    name: plan.name,
    sweep_id: plan.sweepId,
    method: plan.method,
    params: plan.params,
    points: plan.points,
    runs: plan.runs.map((r) => ({ id: r.id, optimizer: r.optimizer, seed: r.seed, point: r.point })),
  };
}

/** What a sweep writes into OUT (besides claims and reports). */
export const SWEEP_FILES = ['sweep.json', 'runs', 'runs.csv', 'sweep_summary.csv', 'sweep_summary.json', 'lr_robustness.csv'];

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
function claimSweepOut(outDir: string, given: string, plan: PlanJson, force: boolean, notice: (m: string) => void): void {
  const file = join(outDir, 'sweep.json');
  const text = JSON.stringify(plan, null, 2) + '\n';
  try {
    writeFileExclusive(file, text);
    return;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const existing = readPlanJson(outDir, given);
  if (existing.sweep_id === plan.sweep_id) return;
  if (!force) {
    throw new ConfigError(`--out ${given}: expected a new directory or the output of this sweep (${plan.sweep_id}), got the output of sweep "${existing.name}" (${existing.sweep_id}) (pass --force to take it over; runs both sweeps share are reused, the others are kept but not aggregated)`);
  }
  notice(`--force: ${given} held sweep "${existing.name}" (${existing.sweep_id}); it now holds ${plan.name} (${plan.sweep_id})`);
  writeFileAtomic(file, text);
}

/** Check, create and claim a sweep's OUT (with its runs/ directory). Returns its absolute path. */
function openSweepOut(given: string, plan: PlanJson, force: boolean, notice: (m: string) => void): string {
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

function readPlanJson(dir: string, given: string): PlanJson {
  try {
    return JSON.parse(readFileSync(join(dir, 'sweep.json'), 'utf8')) as PlanJson;
  } catch {
    throw new ConfigError(`${given}: expected a sweep output directory (with a readable sweep.json), got none`);
  }
}

/** The stored summaries of the plan's complete runs in OUT (`complete`, as a sweep returned them), in plan order. */
export function readSweepRuns(outDir: string, plan: PlanOutline, complete: ReadonlySet<string>): StoredSummary[] {
  return plan.runs.filter((r) => complete.has(r.id)).map((r) => readStoredSummary(outDir, r.id));
}

/**
 * Write the aggregated files of everything complete in OUT. Deterministic: no timings. Runs of the
 * plan not complete in OUT (other shards, an interrupt) are listed in runs.csv with status `missing`
 * and make sweep_summary.json say `"partial": true`, so a partial aggregate never passes for a whole one.
 */
function writeAggregate(outDir: string, plan: PlanOutline, complete: ReadonlySet<string>): { aggregate: SweepAggregate; outcomes: RunOutcome[] } {
  const outcomes = plan.runs.filter((r) => complete.has(r.id)).map((r) => readOutcome(outDir, r.id));
  const agg = aggregate(outcomes);
  const header = ['id', 'optimizer', 'seed', ...plan.params, 'effective_lr', 'status', 'final_train_loss', 'best_val_loss', 'final_val_accuracy'];
  const pointCells = (point: Record<string, unknown>): string[] =>
    plan.params.map((p) => (p in point ? (typeof point[p] === 'object' ? JSON.stringify(point[p]) : String(point[p])) : ''));
  const byId = new Map(outcomes.map((o) => [o.id, o]));
  const rows = plan.runs.map((r) => {
    const o = byId.get(r.id);
    if (!o) return [r.id, r.optimizer, r.seed, ...pointCells(r.point), '', 'missing', '', '', ''];
    return [o.id, o.optimizer, o.seed, ...pointCells(o.point), num(o.lr), o.failed ? 'failed' : o.diverged ? 'diverged' : 'ok', num(o.finalTrainLoss), num(o.bestValLoss), num(o.finalValAccuracy)];
  });
  writeFileAtomic(join(outDir, 'runs.csv'), stringify([header, ...rows], { record_delimiter: 'unix' }));
  writeFileAtomic(join(outDir, 'sweep_summary.csv'), pointsCsv(agg, plan.params));
  writeFileAtomic(join(outDir, 'lr_robustness.csv'), robustnessCsv(agg));
  const partial = complete.size < plan.runs.length;
  const json = { sweep: plan.name, sweep_id: plan.sweepId, runs_complete: complete.size, runs_planned: plan.runs.length, ...(partial ? { partial: true } : {}), ...agg };
  writeFileAtomic(join(outDir, 'sweep_summary.json'), JSON.stringify(json, null, 2) + '\n');
  return { aggregate: agg, outcomes };
}

/**
 * The planned runs complete in OUT right now: `known` (verified or written by this process) and those
 * other shards have completed meanwhile, which are verified here; known runs are not read again.
 */
function completeRuns(outDir: string, plan: PlanOutline, known: ReadonlySet<string>): Set<string> {
  return new Set(plan.runs.filter((r) => known.has(r.id) || isRunComplete(outDir, r.id)).map((r) => r.id));
}

export async function runSweep(loaded: LoadedExperiment, options: SweepOptions): Promise<SweepResult> {
  const plan = planRuns(loaded, { kernels: options.kernels });
  const mine = shardRuns(plan, options.shard);
  const notice = options.events?.notice ?? (() => {});
  const outDir = openSweepOut(options.out, planJson(plan), options.force ?? false, notice);
  const complete = scanRuns(outDir, new Set(plan.runs.map((r) => r.id)), notice, true);
  const todo = mine.filter((r) => !complete.has(r.id));
  const skipped = mine.length - todo.length;
  if (skipped > 0) notice(`${skipped} of ${mine.length} runs already complete in ${options.out}; skipping them`);
  if (todo.length > 0) preflight(todo[0]!.spec);
  options.events?.planned?.(todo, skipped);

  // a run that cannot be stored stops the sweep: the next runs would be lost the same way
  const stop = new AbortController();
  let saveError: SaveError | undefined;
  let ran = 0;
  const events = options.events ?? {};
  const results = await executeRuns(
    todo.map((r) => r.spec),
    {
      workers: options.workers,
      signal: options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal,
      events: {
        started: events.started,
        progress: events.progress,
        finished(index, result) {
          if (result.error === 'interrupted' || saveError) return events.finished?.(index, result);
          try {
            writeRun(outDir, todo[index]!, result);
            complete.add(todo[index]!.id);
            ran++;
          } catch (err) {
            saveError = SaveError.from(err, `run ${todo[index]!.id}`, `the sweep stopped; the runs complete in ${options.out} are kept (run the same command again to resume)`);
            if (!saveError) throw err;
            stop.abort();
          }
          events.finished?.(index, result);
        },
      },
    },
  );
  const signal = InterruptedError.signalOf(options.signal);
  const remaining = results.filter((r) => r.error === 'interrupted').length;
  const failed = results.filter((r) => r.error !== undefined && r.error !== 'interrupted').length;
  const nowComplete = completeRuns(outDir, plan, complete);
  let agg: SweepAggregate;
  try {
    agg = writeAggregate(outDir, plan, nowComplete).aggregate;
  } catch (err) {
    throw saveError ?? SaveError.from(err, 'the aggregated files', `the ${nowComplete.size} runs complete in ${options.out}/runs are kept`) ?? err;
  }
  if (saveError) throw saveError;
  return { plan, outDir, assigned: mine.length, skipped, ran, failed, remaining, interrupted: signal !== undefined, signal, complete: nowComplete.size, completeIds: nowComplete, aggregate: agg };
}

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
  const plans = dirs.map((d) => readPlanJson(d, d));
  const first = plans[0]!;
  plans.forEach((p, i) => {
    if (p.sweep_id !== first.sweep_id) {
      throw new ConfigError(`merge: ${dirs[i]} holds sweep "${p.name}" (${p.sweep_id}) but ${dirs[0]} holds "${first.name}" (${first.sweep_id}); shards of different sweeps cannot be merged`);
    }
  });
  const outDir = openSweepOut(out, first, false, notice);
  const plan: PlanOutline = { name: first.name, sweepId: first.sweep_id, params: first.params, runs: first.runs };
  // runs already complete in OUT (an earlier merge into it) count and are not copied again
  const complete = scanRuns(outDir, new Set(first.runs.map((r) => r.id)), notice);
  for (const dir of dirs) {
    const from = resolve(dir);
    for (const run of first.runs) {
      if (complete.has(run.id) || !existsSync(join(from, 'runs', run.id))) continue;
      const problem = runProblem(from, run.id);
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
  let written: ReturnType<typeof writeAggregate>;
  try {
    written = writeAggregate(outDir, plan, complete);
  } catch (err) {
    throw SaveError.from(err, 'the aggregated files', `the merged runs are in ${out}/runs`) ?? err;
  }
  const failed = written.outcomes.filter((o) => o.failed).length;
  return { outDir, plan: { name: first.name, sweep_id: first.sweep_id, runs: first.runs.length }, complete: complete.size, failed, aggregate: written.aggregate };
}
