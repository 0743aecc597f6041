// Sweep aggregation: one row per (optimizer, hyperparameter point) over seeds — mean, sample std
// (n − 1), min and max of the final train loss over the runs that did not diverge; mean best
// validation loss and final validation accuracy; counts of diverged and failed runs — plus the best
// point per optimizer and the learning-rate robustness table (final loss per optimizer × lr, the
// paper's way of showing that RAdam is less sensitive to the learning rate).
import { stringify } from 'csv-stringify/sync';
import { canonicalJson } from '../base/canonical-json.js';
import { num } from './csv.js';

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
  diverged: number;
  failed: number;
}

export interface RobustnessRow {
  optimizer: string;
  lr: number;
  /** Best mean final loss over the points at this lr whose runs all finished without diverging. */
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

function mean(xs: number[]): number | null {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null;
}

/** Sample standard deviation (n − 1); null for fewer than two values. */
export function sampleStd(xs: number[]): number | null {
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
  const points: PointRow[] = [];
  for (const runs of groups.values()) {
    const ok = runs.filter((r) => !r.diverged && !r.failed && r.finalTrainLoss !== null);
    const losses = ok.map((r) => r.finalTrainLoss!);
    const vals = runs.flatMap((r) => (r.bestValLoss !== null && !r.diverged ? [r.bestValLoss] : []));
    const accs = runs.flatMap((r) => (r.finalValAccuracy !== null && !r.diverged ? [r.finalValAccuracy] : []));
    points.push({
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
      diverged: runs.filter((r) => r.diverged).length,
      failed: runs.filter((r) => r.failed).length,
    });
  }

  const optimizers = [...new Set(points.map((p) => p.optimizer))];
  const clean = (p: PointRow): boolean => p.diverged === 0 && p.failed === 0 && p.final_train_loss_mean !== null;
  const best: PointRow[] = [];
  for (const opt of optimizers) {
    const mine = points.filter((p) => p.optimizer === opt);
    const candidates = mine.filter(clean);
    const pool = candidates.length ? candidates : mine.filter((p) => p.final_train_loss_mean !== null);
    let pick: PointRow | undefined;
    for (const p of pool) if (!pick || p.final_train_loss_mean! < pick.final_train_loss_mean!) pick = p;
    if (pick) best.push(pick);
  }

  const lr_robustness: RobustnessRow[] = [];
  for (const opt of optimizers) {
    const mine = points.filter((p) => p.optimizer === opt);
    const lrs = [...new Set(mine.map((p) => p.lr))].sort((a, b) => a - b);
    for (const lr of lrs) {
      const atLr = mine.filter((p) => p.lr === lr);
      const finite = atLr.filter(clean).map((p) => p.final_train_loss_mean!);
      lr_robustness.push({
        optimizer: opt,
        lr,
        final_train_loss_mean: finite.length ? Math.min(...finite) : null,
        points: atLr.length,
        diverged_points: atLr.filter((p) => !clean(p)).length,
      });
    }
  }
  return { points, best, lr_robustness };
}

function cell(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return num(v);
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
}

export function pointsCsv(agg: SweepAggregate, params: string[]): string {
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
  ];
  const rows = agg.points.map((p) => [
    p.optimizer,
    ...params.map((k) => (k in p.point ? cell(p.point[k]) : '')),
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
  ]);
  return stringify([header, ...rows], { record_delimiter: 'unix' });
}

export function robustnessCsv(agg: SweepAggregate): string {
  const header = ['optimizer', 'lr', 'final_train_loss_mean', 'points', 'diverged_points'];
  const rows = agg.lr_robustness.map((r) => [r.optimizer, cell(r.lr), cell(r.final_train_loss_mean), cell(r.points), cell(r.diverged_points)]);
  return stringify([header, ...rows], { record_delimiter: 'unix' });
}
