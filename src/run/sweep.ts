// Running a sweep: plan it, claim OUT, skip the runs already complete there, run the rest of this
// shard on the worker pool, store each as it finishes (results/run-store.ts), then aggregate
// everything complete in OUT (results/aggregate.ts). A killed sweep loses at most its in-flight runs;
// running the same sweep into the same OUT again skips complete runs and redoes the rest.
import type { LoadedExperiment } from '../config/load.js';
import { InterruptedError, type StopSignal } from '../base/errors.js';
import type { KernelSet } from '../wasm/kernels.js';
import { writeAggregate, type SweepAggregate } from '../results/aggregate.js';
import { SaveError } from '../results/fs-errors.js';
import type { RunEvents, RunResult } from '../results/run-result.js';
import { isRunComplete, scanRuns, writeRun, type StoredSummary } from '../results/run-store.js';
import { openSweepOut, type SweepJson } from '../results/sweep-dir.js';
import { executeRuns } from './execute.js';
import { preflight } from './preflight.js';
import { planRuns, shardRuns, type PlannedRun, type Shard, type SweepPlan } from './sweep-plan.js';

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
  /** Threads per run (default: see poolShape); not part of run ids (results do not depend on it). */
  threads?: number;
  /** Take over an OUT that holds another sweep (see results/sweep-dir.ts). */
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
  /** The stored summaries of those runs, in plan order (what the aggregates were computed from). */
  runs: StoredSummary[];
  aggregate: SweepAggregate;
}

/** The plan as written to OUT/sweep.json. */
function planJson(plan: SweepPlan): SweepJson {
  return {
    name: plan.name,
    sweep_id: plan.sweepId,
    method: plan.method,
    params: plan.params,
    points: plan.points,
    runs: plan.runs.map((r) => ({ id: r.id, optimizer: r.optimizer, seed: r.seed, point: r.point })),
  };
}

export async function runSweep(loaded: LoadedExperiment, options: SweepOptions): Promise<SweepResult> {
  const plan = planRuns(loaded, { kernels: options.kernels });
  const mine = shardRuns(plan, options.shard);
  const notice = options.events?.notice ?? (() => {});
  const json = planJson(plan);
  const outDir = openSweepOut(options.out, json, options.force ?? false, notice);
  const complete = scanRuns(outDir, new Set(plan.runs.map((r) => r.id)), notice, true);
  const todo = mine.filter((r) => !complete.has(r.id));
  const skipped = mine.length - todo.length;
  if (skipped > 0) notice(`${skipped} of ${mine.length} runs already complete in ${options.out}; skipping them`);
  if (todo.length > 0) preflight([todo[0]!.spec]);
  options.events?.planned?.(todo, skipped);

  const { results, ran, saveError } = await runAndStore(outDir, todo, complete, options);
  const signal = InterruptedError.signalOf(options.signal);
  const remaining = results.filter((r) => r.error === 'interrupted').length;
  const failed = results.filter((r) => r.error !== undefined && r.error !== 'interrupted').length;
  // the planned runs complete in OUT now: those known here, and those other shards completed meanwhile
  const nowComplete = new Set(plan.runs.filter((r) => complete.has(r.id) || isRunComplete(outDir, r.id)).map((r) => r.id));
  let written: ReturnType<typeof writeAggregate>;
  try {
    written = writeAggregate(outDir, json, nowComplete);
  } catch (err) {
    throw saveError ?? SaveError.from(err, 'the aggregated files', `the ${nowComplete.size} runs complete in ${options.out}/runs are kept`) ?? err;
  }
  if (saveError) throw saveError;
  return { plan, outDir, assigned: mine.length, skipped, ran, failed, remaining, interrupted: signal !== undefined, signal, complete: nowComplete.size, runs: written.stored, aggregate: written.aggregate };
}

/**
 * Run `todo` on the worker pool and store each run as it finishes, adding it to `complete`. A run that
 * cannot be stored stops the sweep (the next runs would be lost the same way): its SaveError comes back.
 */
async function runAndStore(outDir: string, todo: PlannedRun[], complete: Set<string>, options: SweepOptions): Promise<{ results: RunResult[]; ran: number; saveError: SaveError | undefined }> {
  const stop = new AbortController();
  let saveError: SaveError | undefined;
  let ran = 0;
  const events = options.events ?? {};
  const store = (index: number, result: RunResult): void => {
    const run = todo[index]!;
    try {
      writeRun(outDir, run, result);
      complete.add(run.id);
      ran++;
    } catch (err) {
      saveError = SaveError.from(err, `run ${run.id}`, `the sweep stopped; the runs complete in ${options.out} are kept (run the same command again to resume)`);
      if (!saveError) throw err;
      stop.abort();
    }
  };
  const results = await executeRuns(
    todo.map((r) => r.spec),
    {
      workers: options.workers,
      threads: options.threads,
      signal: options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal,
      events: {
        started: events.started,
        progress: events.progress,
        finished(index, result) {
          if (result.error !== 'interrupted' && !saveError) store(index, result);
          events.finished?.(index, result);
        },
      },
    },
  );
  return { results, ran, saveError };
}
