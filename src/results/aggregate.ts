// Sweep aggregation: one row per (optimizer, hyperparameter point) over seeds — mean, sample std
// (n − 1), min and max of the final train loss over the runs that did not diverge; mean best
// validation loss and final validation accuracy; counts of diverged and failed runs — plus the best
// point per optimizer and the learning-rate robustness table (final loss per optimizer × lr, the
// paper's way of showing that RAdam is less sensitive to the learning rate). These are the contents
// of sweep_summary.json, sweep_summary.csv and lr_robustness.csv; the three files and runs.csv are
// written here, from the stored runs alone (no timings), so merging shards reproduces an unsharded run.
import { join } from 'node:path';
import { z } from 'zod';
import { canonicalJson } from '../base/canonical-json.js';
import { writeFileAtomic } from './atomic.js';
import { integer, name, num, number, numberOrEmpty, toCsv } from './cells.js';
import { readStoredSummaries, type StoredSummary } from './run-store.js';
import type { SweepJson } from './sweep-dir.js';

/** What aggregation needs of one finished run. */
export interface RunOutcome {
  id: string;
  optimizer: string;
  seed: number;
  lr: number;
  point: Record<string, unknown>;
  finalTrainLoss: number | null;
  bestValLoss: number | null;
  finalValAccuracy: number | null;
  finalTestAccuracy: number | null;
  diverged: boolean;
  failed: boolean;
}

export interface PointRow {
  optimizer: string;
  point: Record<string, unknown>;
  lr: number;
  runs: number;
  seeds: number[];
  final_train_loss_mean: number | null;
  final_train_loss_std: number | null;
  final_train_loss_min: number | null;
  final_train_loss_max: number | null;
  best_val_loss_mean: number | null;
  final_val_accuracy_mean: number | null;
  /** Mean final test accuracy over the seeds (eval.test); null without a test split. */
  final_test_accuracy_mean: number | null;
  diverged: number;
  failed: number;
}

/** One row of lr_robustness.csv (and of sweep_summary.json `lr_robustness`). */
export interface RobustnessRow {
  optimizer: string;
  lr: number;
  /** Best mean final loss over the points at this lr whose runs all finished without diverging; null: none did. */
  final_train_loss_mean: number | null;
  points: number;
  /** Points at this lr with at least one diverged or failed run. */
  diverged_points: number;
}

export interface SweepAggregate {
  points: PointRow[];
  best: PointRow[];
  lr_robustness: RobustnessRow[];
}

/** What aggregation needs of a stored run (runs/<id>/summary.json). */
function outcomeOf(s: StoredSummary): RunOutcome {
  return {
    id: s.id,
    optimizer: s.optimizer,
    seed: s.seed,
    lr: s.lr,
    point: s.point,
    finalTrainLoss: s.summary?.final_train_loss ?? null,
    bestValLoss: s.summary?.best_val_loss ?? null,
    finalValAccuracy: s.summary?.final_val_accuracy ?? null,
    finalTestAccuracy: s.summary?.final_test_accuracy ?? null,
    diverged: s.status === 'diverged',
    failed: s.status === 'failed',
  };
}

function mean(xs: number[]): number | null {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null;
}

/** Sample standard deviation (n − 1); null for fewer than two values. */
function sampleStd(xs: number[]): number | null {
  if (xs.length < 2) return null;
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  return Math.sqrt(xs.reduce((a, b) => a + (b - m) * (b - m), 0) / (xs.length - 1));
}

/** Aggregate outcomes given in plan order; groups keep the order of their first run. */
export function aggregate(outcomes: RunOutcome[]): SweepAggregate {
  const groups = new Map<string, RunOutcome[]>();
  for (const o of outcomes) {
    const key = `${o.optimizer}\u0000${canonicalJson(o.point)}`;
    const list = groups.get(key);
    if (list) list.push(o);
    else groups.set(key, [o]);
  }
  const points = [...groups.values()].map(pointRow);
  const optimizers = [...new Set(points.map((p) => p.optimizer))];
  return { points, best: bestPoints(points, optimizers), lr_robustness: lrRobustness(points, optimizers) };
}

/** The statistics over the seeds of one point (its runs, all of one optimizer). */
function pointRow(runs: RunOutcome[]): PointRow {
  const ok = runs.filter((r) => !r.diverged && !r.failed && r.finalTrainLoss !== null);
  const losses = ok.map((r) => r.finalTrainLoss!);
  const vals = runs.flatMap((r) => (r.bestValLoss !== null && !r.diverged ? [r.bestValLoss] : []));
  const accs = runs.flatMap((r) => (r.finalValAccuracy !== null && !r.diverged ? [r.finalValAccuracy] : []));
  const testAccs = runs.flatMap((r) => (r.finalTestAccuracy !== null && !r.diverged ? [r.finalTestAccuracy] : []));
  return {
    optimizer: runs[0]!.optimizer,
    point: runs[0]!.point,
    lr: runs[0]!.lr,
    runs: runs.length,
    seeds: runs.map((r) => r.seed),
    final_train_loss_mean: mean(losses),
    final_train_loss_std: sampleStd(losses),
    final_train_loss_min: losses.length ? Math.min(...losses) : null,
    final_train_loss_max: losses.length ? Math.max(...losses) : null,
    best_val_loss_mean: mean(vals),
    final_val_accuracy_mean: mean(accs),
    final_test_accuracy_mean: mean(testAccs),
    diverged: runs.filter((r) => r.diverged).length,
    failed: runs.filter((r) => r.failed).length,
  };
}

/** A point whose runs all finished without diverging. */
function clean(p: PointRow): boolean {
  return p.diverged === 0 && p.failed === 0 && p.final_train_loss_mean !== null;
}

/** Per optimizer, the clean point of lowest mean final loss (else the lowest of those with any loss). */
function bestPoints(points: PointRow[], optimizers: string[]): PointRow[] {
  const best: PointRow[] = [];
  for (const opt of optimizers) {
    const mine = points.filter((p) => p.optimizer === opt);
    const candidates = mine.filter(clean);
    const pool = candidates.length ? candidates : mine.filter((p) => p.final_train_loss_mean !== null);
    let pick: PointRow | undefined;
    for (const p of pool) if (!pick || p.final_train_loss_mean! < pick.final_train_loss_mean!) pick = p;
    if (pick) best.push(pick);
  }
  return best;
}

/** Per optimizer and lr (ascending), the best mean final loss of the clean points at that lr. */
function lrRobustness(points: PointRow[], optimizers: string[]): RobustnessRow[] {
  const rows: RobustnessRow[] = [];
  for (const opt of optimizers) {
    const mine = points.filter((p) => p.optimizer === opt);
    const lrs = [...new Set(mine.map((p) => p.lr))].sort((a, b) => a - b);
    for (const lr of lrs) {
      const atLr = mine.filter((p) => p.lr === lr);
      const finite = atLr.filter(clean).map((p) => p.final_train_loss_mean!);
      rows.push({
        optimizer: opt,
        lr,
        final_train_loss_mean: finite.length ? Math.min(...finite) : null,
        points: atLr.length,
        diverged_points: atLr.filter((p) => !clean(p)).length,
      });
    }
  }
  return rows;
}

function cell(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return num(v);
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
}

/** The swept values of a point as cells, one per parameter of the plan ('' where it does not apply). */
function pointCells(point: Record<string, unknown>, params: string[]): string[] {
  return params.map((k) => (k in point ? cell(point[k]) : ''));
}

function pointsCsv(agg: SweepAggregate, params: string[]): string {
  const header = [
    'optimizer',
    ...params,
    'effective_lr',
    'runs',
    'final_train_loss_mean',
    'final_train_loss_std',
    'final_train_loss_min',
    'final_train_loss_max',
    'best_val_loss_mean',
    'final_val_accuracy_mean',
    'diverged',
    'failed',
    'final_test_accuracy_mean',
  ];
  const rows = agg.points.map((p) => [
    p.optimizer,
    ...pointCells(p.point, params),
    cell(p.lr),
    cell(p.runs),
    cell(p.final_train_loss_mean),
    cell(p.final_train_loss_std),
    cell(p.final_train_loss_min),
    cell(p.final_train_loss_max),
    cell(p.best_val_loss_mean),
    cell(p.final_val_accuracy_mean),
    cell(p.diverged),
    cell(p.failed),
    cell(p.final_test_accuracy_mean),
  ]);
  return toCsv(header, rows);
}

const ROBUSTNESS_COLUMNS = ['optimizer', 'lr', 'final_train_loss_mean', 'points', 'diverged_points'] as const satisfies readonly (keyof RobustnessRow)[];

function robustnessCsv(agg: SweepAggregate): string {
  return toCsv(ROBUSTNESS_COLUMNS, agg.lr_robustness.map((r) => ROBUSTNESS_COLUMNS.map((c) => cell(r[c]))));
}

/**
 * The swept values of a run in runs.csv, one per parameter of the plan: written with String() (null as
 * `null`, objects as JSON), where sweep_summary.csv writes them as cells (null empty). Both kept as they
 * have always been written.
 */
function runPointCells(point: Record<string, unknown>, params: string[]): string[] {
  return params.map((p) => (p in point ? (typeof point[p] === 'object' ? JSON.stringify(point[p]) : String(point[p])) : ''));
}

/** runs.csv: every run of the plan in plan order; runs not complete in OUT have status `missing`. */
function runsCsv(plan: SweepJson, outcomes: RunOutcome[]): string {
  const header = ['id', 'optimizer', 'seed', ...plan.params, 'effective_lr', 'status', 'final_train_loss', 'best_val_loss', 'final_val_accuracy', 'final_test_accuracy'];
  const byId = new Map(outcomes.map((o) => [o.id, o]));
  const rows = plan.runs.map((r) => {
    const o = byId.get(r.id);
    if (!o) return [r.id, r.optimizer, r.seed, ...runPointCells(r.point, plan.params), '', 'missing', '', '', '', ''];
    return [o.id, o.optimizer, o.seed, ...runPointCells(o.point, plan.params), num(o.lr), o.failed ? 'failed' : o.diverged ? 'diverged' : 'ok', num(o.finalTrainLoss), num(o.bestValLoss), num(o.finalValAccuracy), num(o.finalTestAccuracy)];
  });
  return toCsv(header, rows);
}

/**
 * Write the aggregated files of the plan's runs complete in OUT (`complete`), read from the run store
 * in plan order. Runs of the plan not complete (other shards, an interrupt) are listed in runs.csv
 * with status `missing` and make sweep_summary.json say `"partial": true`, so a partial aggregate never
 * passes for a whole one. Returns the stored summaries read and the aggregate.
 */
export function writeAggregate(outDir: string, plan: SweepJson, complete: ReadonlySet<string>): { stored: StoredSummary[]; aggregate: SweepAggregate } {
  const stored = readStoredSummaries(outDir, plan.runs, complete);
  const outcomes = stored.map(outcomeOf);
  const agg = aggregate(outcomes);
  writeFileAtomic(join(outDir, 'runs.csv'), runsCsv(plan, outcomes));
  writeFileAtomic(join(outDir, 'sweep_summary.csv'), pointsCsv(agg, plan.params));
  writeFileAtomic(join(outDir, 'lr_robustness.csv'), robustnessCsv(agg));
  const partial = stored.length < plan.runs.length;
  const json = { sweep: plan.name, sweep_id: plan.sweep_id, runs_complete: stored.length, runs_planned: plan.runs.length, ...(partial ? { partial: true } : {}), ...agg };
  writeFileAtomic(join(outDir, 'sweep_summary.json'), JSON.stringify(json, null, 2) + '\n');
  return { stored, aggregate: agg };
}

/** A sweep's lr_robustness.csv read back; an empty loss: every point at that lr diverged. */
export const LR_ROBUSTNESS = {
  columns: { optimizer: name, lr: number, final_train_loss_mean: numberOrEmpty, points: integer, diverged_points: integer } satisfies Record<(typeof ROBUSTNESS_COLUMNS)[number], unknown>,
  optional: {},
};

/** A sweep's sweep_summary.csv read back: shown as a table. */
export const SWEEP_POINTS = { columns: { optimizer: name }, optional: {} };

/** What a reader checks of sweep_summary.json: how many runs were complete, and the best point of each optimizer. */
export const SweepSummary = z.looseObject({
  runs_complete: z.number().int().min(0),
  runs_planned: z.number().int().min(0).optional(),
  /** Written when runs of the plan are missing (another shard's, or an interrupted sweep's). */
  partial: z.literal(true).optional(),
  best: z.array(z.looseObject({ optimizer: z.string(), point: z.record(z.string(), z.unknown()), lr: z.number() })),
});
