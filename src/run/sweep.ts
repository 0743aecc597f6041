// Running and merging sweeps. Each run's results live in OUT/runs/<id>/ and appear there only by an
// atomic rename once complete, so a killed sweep loses at most its in-flight runs; running the same
// sweep into the same OUT again skips complete runs and redoes the rest. Aggregated files are a
// function of the completed runs alone (no timings), so merging shards reproduces an unsharded run.
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import type { LoadedExperiment } from '../config/load.js';
import { ConfigError } from '../config/errors.js';
import { curvesCsv, num, summaryRecord, traceCsv } from '../report/csv.js';
import { OutputDir, writeFileAtomic } from '../report/output.js';
import { aggregate, pointsCsv, robustnessCsv, type RunOutcome, type SweepAggregate } from '../report/aggregate.js';
import { preflight } from './compare.js';
import { executeRuns, type RunEvents, type RunResult } from './execute.js';
import { shortHash } from './hash.js';
import type { KernelSet } from '../wasm/kernels.js';
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
  /** Completed runs of the whole plan present in OUT (all shards that wrote there). */
  complete: number;
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
type PlanOutline = Pick<SweepPlan, 'name' | 'sweepId' | 'params'> & { runs: { id: string }[] };

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

export interface StoredSummary {
  id: string;
  optimizer: string;
  seed: number;
  lr: number;
  point: Record<string, unknown>;
  status: 'ok' | 'diverged' | 'failed';
  error?: string;
  summary: ReturnType<typeof summaryRecord> | null;
}

/** Check OUT/runs/<id>: complete and really this run? Returns a reason when not. */
function checkRunDir(dir: string, id: string): string | undefined {
  try {
    const spec = JSON.parse(readFileSync(join(dir, 'spec.json'), 'utf8')) as { id?: string; spec?: unknown };
    if (spec.id !== id || shortHash(spec.spec) !== id) return 'spec.json does not match the run id';
    const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as StoredSummary;
    if (summary.id !== id) return 'summary.json names another run';
    for (const f of ['curves.csv', 'trace.csv']) if (!existsSync(join(dir, f))) return `${f} is missing`;
    return undefined;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'a file is missing' : 'a file is unreadable or not valid JSON';
  }
}

function readOutcome(dir: string): RunOutcome {
  const s = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as StoredSummary;
  return {
    id: s.id,
    optimizer: s.optimizer,
    seed: s.seed,
    lr: s.lr,
    point: s.point,
    finalTrainLoss: s.summary?.final_train_loss as number | null,
    bestValLoss: (s.summary?.best_val_loss as number | null) ?? null,
    finalValAccuracy: (s.summary?.final_val_accuracy as number | null) ?? null,
    diverged: s.status === 'diverged',
    failed: s.status === 'failed',
  };
}

function writeRunDir(runsDir: string, run: PlannedRun, result: RunResult): void {
  const s = result.summary;
  const status: StoredSummary['status'] = result.error ? 'failed' : s?.divergedAt != null ? 'diverged' : 'ok';
  const stored: StoredSummary = {
    id: run.id,
    optimizer: run.optimizer,
    seed: run.seed,
    lr: run.spec.optimizer.lr,
    point: run.point,
    status,
    ...(result.error ? { error: result.error } : {}),
    summary: s ? summaryRecord(s) : null,
  };
  // staged as runs/.<id>.partial-<pid> and renamed into place when complete (replacing a corrupt one)
  const dir = OutputDir.open(join(runsDir, run.id), true);
  dir.write('spec.json', JSON.stringify({ id: run.id, optimizer: run.optimizer, seed: run.seed, point: run.point, spec: run.body }, null, 2) + '\n');
  dir.write('curves.csv', curvesCsv([result]));
  dir.write('trace.csv', traceCsv([result]));
  dir.write('summary.json', JSON.stringify(stored, null, 2) + '\n');
  dir.commit();
}

/** OUT must be new, empty, or a sweep's output: never write a sweep into some other directory. */
function refuseForeignOut(outDir: string, given: string): void {
  if (existsSync(outDir) && !existsSync(join(outDir, 'sweep.json')) && readdirSync(outDir).length > 0) {
    throw new ConfigError(`--out ${given}: expected a new directory or the output of a sweep, got a directory without sweep.json`);
  }
}

function processAlive(pid: number): boolean {
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The planned runs complete in OUT right now (other shards may have added some meanwhile). */
function completeRuns(runsDir: string, plan: PlanOutline): Set<string> {
  return new Set(plan.runs.filter((r) => existsSync(join(runsDir, r.id)) && checkRunDir(join(runsDir, r.id), r.id) === undefined).map((r) => r.id));
}

/** Classify OUT/runs: which planned runs are complete; report and remove corrupt ones; note foreign ones. */
function scanRuns(runsDir: string, plan: SweepPlan, notice: (m: string) => void): Set<string> {
  const complete = new Set<string>();
  const planned = new Map(plan.runs.map((r) => [r.id, r]));
  let foreign = 0;
  for (const entry of existsSync(runsDir) ? readdirSync(runsDir) : []) {
    if (entry.startsWith('.')) {
      // a staging directory: remove it only if the process that wrote it is gone (shards may share OUT)
      const pid = Number(/\.partial-(\d+)$/.exec(entry)?.[1]);
      if (!Number.isInteger(pid) || !processAlive(pid)) rmSync(join(runsDir, entry), { recursive: true, force: true });
      continue;
    }
    const run = planned.get(entry);
    if (!run) {
      foreign++;
      continue;
    }
    const problem = checkRunDir(join(runsDir, entry), run.id);
    if (problem) {
      notice(`runs/${entry}: incomplete or corrupt (${problem}); it will be redone`);
      rmSync(join(runsDir, entry), { recursive: true, force: true });
    } else complete.add(entry);
  }
  if (foreign > 0) notice(`${foreign} entr${foreign === 1 ? 'y' : 'ies'} in runs/ not part of this sweep (left alone, not aggregated)`);
  return complete;
}

/** The stored summaries of the plan's complete runs in OUT, in plan order. */
export function readSweepRuns(outDir: string, plan: PlanOutline): StoredSummary[] {
  const out: StoredSummary[] = [];
  for (const r of plan.runs) {
    const file = join(outDir, 'runs', r.id, 'summary.json');
    if (existsSync(file)) out.push(JSON.parse(readFileSync(file, 'utf8')) as StoredSummary);
  }
  return out;
}

/** Write the aggregated files of everything complete in OUT. Deterministic: no timings. */
function writeAggregate(outDir: string, plan: PlanOutline, complete: Set<string>): SweepAggregate {
  const outcomes = plan.runs.filter((r) => complete.has(r.id)).map((r) => readOutcome(join(outDir, 'runs', r.id)));
  const agg = aggregate(outcomes);
  const header = ['id', 'optimizer', 'seed', ...plan.params, 'effective_lr', 'status', 'final_train_loss', 'best_val_loss', 'final_val_accuracy'];
  const rows = outcomes.map((o) => [
    o.id,
    o.optimizer,
    o.seed,
    ...plan.params.map((p) => (p in o.point ? (typeof o.point[p] === 'object' ? JSON.stringify(o.point[p]) : String(o.point[p])) : '')),
    num(o.lr),
    o.failed ? 'failed' : o.diverged ? 'diverged' : 'ok',
    num(o.finalTrainLoss),
    num(o.bestValLoss),
    num(o.finalValAccuracy),
  ]);
  writeFileAtomic(join(outDir, 'runs.csv'), stringify([header, ...rows], { record_delimiter: 'unix' }));
  writeFileAtomic(join(outDir, 'sweep_summary.csv'), pointsCsv(agg, plan.params));
  writeFileAtomic(join(outDir, 'lr_robustness.csv'), robustnessCsv(agg));
  const json = { sweep: plan.name, sweep_id: plan.sweepId, runs_complete: complete.size, runs_planned: plan.runs.length, ...agg };
  writeFileAtomic(join(outDir, 'sweep_summary.json'), JSON.stringify(json, null, 2) + '\n');
  return agg;
}

export async function runSweep(loaded: LoadedExperiment, options: SweepOptions): Promise<SweepResult> {
  const plan = planRuns(loaded, { kernels: options.kernels });
  const mine = shardRuns(plan, options.shard);
  const outDir = resolve(options.out);
  const runsDir = join(outDir, 'runs');
  const notice = options.events?.notice ?? (() => {});
  refuseForeignOut(outDir, options.out);
  mkdirSync(runsDir, { recursive: true });
  writeFileAtomic(join(outDir, 'sweep.json'), JSON.stringify(planJson(plan), null, 2) + '\n');
  const complete = scanRuns(runsDir, plan, notice);
  const todo = mine.filter((r) => !complete.has(r.id));
  const skipped = mine.length - todo.length;
  if (skipped > 0) notice(`${skipped} of ${mine.length} runs already complete in ${options.out}; skipping them`);
  if (todo.length > 0) preflight(todo[0]!.spec);
  options.events?.planned?.(todo, skipped);

  let ran = 0;
  const events = options.events ?? {};
  const results = await executeRuns(
    todo.map((r) => r.spec),
    {
      workers: options.workers,
      signal: options.signal,
      events: {
        started: events.started,
        progress: events.progress,
        finished(index, result) {
          if (result.error !== 'interrupted') {
            writeRunDir(runsDir, todo[index]!, result);
            complete.add(todo[index]!.id);
            ran++;
          }
          events.finished?.(index, result);
        },
      },
    },
  );
  const interrupted = Boolean(options.signal?.aborted);
  const remaining = results.filter((r) => r.error === 'interrupted').length;
  const failed = results.filter((r) => r.error !== undefined && r.error !== 'interrupted').length;
  const nowComplete = completeRuns(runsDir, plan);
  const agg = writeAggregate(outDir, plan, nowComplete);
  return { plan, outDir, assigned: mine.length, skipped, ran, failed, remaining, interrupted, complete: nowComplete.size, aggregate: agg };
}

export interface MergeResult {
  outDir: string;
  plan: { name: string; sweep_id: string; runs: number };
  complete: number;
  aggregate: SweepAggregate;
}

/** Combine shard outputs of one sweep into OUT, refusing outputs of different sweeps. */
export function mergeSweeps(dirs: string[], out: string, notice: (m: string) => void = () => {}): MergeResult {
  if (dirs.length === 0) throw new ConfigError('merge: expected at least one sweep output directory, got none');
  const plans = dirs.map((d) => {
    const file = join(d, 'sweep.json');
    try {
      return JSON.parse(readFileSync(file, 'utf8')) as PlanJson;
    } catch {
      throw new ConfigError(`${d}: expected a sweep output directory (with sweep.json), got none`);
    }
  });
  const first = plans[0]!;
  plans.forEach((p, i) => {
    if (p.sweep_id !== first.sweep_id) {
      throw new ConfigError(`merge: ${dirs[i]} holds sweep "${p.name}" (${p.sweep_id}) but ${dirs[0]} holds "${first.name}" (${first.sweep_id}); shards of different sweeps cannot be merged`);
    }
  });
  const outDir = resolve(out);
  const runsDir = join(outDir, 'runs');
  refuseForeignOut(outDir, out);
  mkdirSync(runsDir, { recursive: true });
  const plan: PlanOutline = { name: first.name, sweepId: first.sweep_id, params: first.params, runs: first.runs };
  writeFileAtomic(join(outDir, 'sweep.json'), JSON.stringify(first, null, 2) + '\n');
  const complete = new Set<string>();
  for (const dir of dirs) {
    for (const run of first.runs) {
      const src = join(resolve(dir), 'runs', run.id);
      const dst = join(runsDir, run.id);
      if (complete.has(run.id) || !existsSync(src)) continue;
      const problem = checkRunDir(src, run.id);
      if (problem) {
        notice(`${join(dir, 'runs', run.id)}: incomplete or corrupt (${problem}); not merged`);
        continue;
      }
      if (src === dst) {
        complete.add(run.id);
        continue;
      }
      const staging = join(runsDir, `.${run.id}.partial-${process.pid}`);
      rmSync(staging, { recursive: true, force: true });
      cpSync(src, staging, { recursive: true });
      rmSync(dst, { recursive: true, force: true });
      renameSync(staging, dst);
      complete.add(run.id);
    }
  }
  const missing = first.runs.length - complete.size;
  if (missing > 0) notice(`${missing} of ${first.runs.length} runs are missing from the merged shards`);
  const agg = writeAggregate(outDir, plan, complete);
  return { outDir, plan: { name: first.name, sweep_id: first.sweep_id, runs: first.runs.length }, complete: complete.size, aggregate: agg };
}
