// The CSV output contract (DESIGN.md): long ("tidy") tables, one header row, steps from 1.
// Numbers are written in JavaScript's shortest round-trip form, so a run's files are byte-identical
// whenever its numbers are; NaN and absent values are empty cells.
import { stringify } from 'csv-stringify/sync';
import type { RunResult } from '../run/execute.js';
import type { RunSummary } from '../train/train.js';

export const CURVES_COLUMNS = ['run', 'optimizer', 'seed', 'step', 'split', 'loss', 'accuracy'] as const;
export const TRACE_COLUMNS = [
  'run',
  'optimizer',
  'seed',
  'step',
  'lr',
  'rho_t',
  'r_t',
  'adaptive',
  'grad_norm',
  'update_norm',
  'alr_mean',
  'alr_cv',
] as const;
export const SUMMARY_COLUMNS = [
  'run',
  'optimizer',
  'kind',
  'seed',
  'params',
  'steps',
  'final_train_loss',
  'last_train_loss',
  'best_train_loss',
  'best_step',
  'final_train_accuracy',
  'final_val_loss',
  'best_val_loss',
  'final_val_accuracy',
  'diverged',
  'diverged_at',
  'first_adaptive_step',
  'entropy_rate',
  'wall_seconds',
  'steps_per_second',
  'diverged_reason',
] as const;

type Cell = string | number | undefined | null;

/** A number cell: shortest round-trip text; NaN/undefined → empty. */
export function num(x: number | undefined | null): string {
  return x === undefined || x === null || Number.isNaN(x) ? '' : String(x);
}

function toCsv(columns: readonly string[], rows: Cell[][]): string {
  return stringify([columns as unknown as Cell[], ...rows], { record_delimiter: 'unix' });
}

export function curvesCsv(results: RunResult[]): string {
  const rows: Cell[][] = [];
  for (const r of results) {
    const { run, optimizer, seed } = r.spec;
    // train rows and val rows interleaved by step; at equal steps train comes first
    const evals = r.evals;
    let e = 0;
    for (const s of r.steps) {
      while (e < evals.length && evals[e]!.step < s.step) pushEval(evals[e++]!);
      rows.push([run, optimizer.name, seed, s.step, 'train', num(s.loss), num(s.accuracy)]);
    }
    while (e < evals.length) pushEval(evals[e++]!);
    function pushEval(v: (typeof evals)[number]): void {
      rows.push([run, optimizer.name, seed, v.step, 'val', num(v.loss), num(v.accuracy)]);
    }
  }
  return toCsv(CURVES_COLUMNS, rows);
}

export function traceCsv(results: RunResult[]): string {
  const rows: Cell[][] = [];
  for (const r of results) {
    const { run, optimizer, seed } = r.spec;
    const isRAdam = optimizer.kind === 'radam';
    for (const s of r.steps) {
      rows.push([
        run,
        optimizer.name,
        seed,
        s.step,
        num(s.lr),
        isRAdam ? num(s.rhoT) : '',
        isRAdam ? num(s.rect) : '',
        s.adaptive ? 1 : 0,
        num(s.gradNorm),
        num(s.updateNorm),
        num(s.alrMean),
        num(s.alrCv),
      ]);
    }
  }
  return toCsv(TRACE_COLUMNS, rows);
}

/** One flat record per run, as in summary.csv / summary.json. */
export function summaryRecord(s: RunSummary): Record<(typeof SUMMARY_COLUMNS)[number], number | string | boolean | null> {
  const opt = (x: number | undefined | null): number | null => (x === undefined || x === null || Number.isNaN(x) ? null : x);
  return {
    run: s.run,
    optimizer: s.optimizer,
    kind: s.kind,
    seed: s.seed,
    params: s.params,
    steps: s.stepsDone,
    final_train_loss: opt(s.finalLoss),
    last_train_loss: opt(s.lastLoss),
    best_train_loss: opt(s.bestLoss),
    best_step: s.bestStep || null,
    final_train_accuracy: opt(s.finalAccuracy),
    final_val_loss: opt(s.finalValLoss),
    best_val_loss: opt(s.bestValLoss),
    final_val_accuracy: opt(s.finalValAccuracy),
    diverged: s.divergedAt !== null,
    diverged_at: s.divergedAt,
    first_adaptive_step: s.firstAdaptiveStep,
    entropy_rate: opt(s.info.entropy_rate),
    wall_seconds: s.wallSeconds,
    steps_per_second: opt(s.stepsPerSecond),
    diverged_reason: s.divergedReason,
  };
}

export function summaryCsv(summaries: RunSummary[]): string {
  const rows = summaries.map((s) => {
    const rec = summaryRecord(s);
    return SUMMARY_COLUMNS.map((c) => {
      const v = rec[c];
      if (typeof v === 'boolean') return v ? 1 : 0;
      return v === null ? '' : typeof v === 'number' ? num(v) : v;
    });
  });
  return toCsv(SUMMARY_COLUMNS, rows);
}
