// Terminal tables for a sweep: the best point per optimizer and the learning-rate robustness table
// (rows: optimizers; columns: learning rates; cells: mean final train loss, or "div" where runs diverged).
import chalk from 'chalk';
import type { SweepAggregate } from '../results/aggregate.js';
import { canonicalJson } from '../base/canonical-json.js';
import { formatLoss } from '../results/cells.js';
import { pct } from './table.js';

/** Align columns: the first `textColumns` left, the rest (numbers) right. */
function pad(cells: string[][], textColumns = 1): string[] {
  const widths = cells[0]!.map((_, c) => Math.max(...cells.map((r) => r[c]!.length)));
  return cells.map((r) => r.map((cell, c) => (c < textColumns ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  '));
}

export function renderSweepTables(agg: SweepAggregate, params: string[]): string {
  const lines: string[] = [];
  lines.push(chalk.bold('best point per optimizer (mean final train loss over seeds)'));
  // accuracy columns only where some best point has the metric (classification with eval / eval.test)
  const accuracies = (
    [
      ['val acc', 'final_val_accuracy_mean'],
      ['test acc', 'final_test_accuracy_mean'],
    ] as const
  ).filter(([, key]) => agg.best.some((b) => b[key] !== null));
  const bestRows = [['optimizer', 'point', 'mean', 'std', ...accuracies.map(([title]) => title), 'runs', 'diverged']];
  for (const b of agg.best) {
    const point = Object.entries(b.point)
      .filter(([k]) => params.length === 0 || params.includes(k))
      .map(([k, v]) => `${k}=${typeof v === 'object' ? canonicalJson(v) : String(v)}`)
      .join(' ');
    const accs = accuracies.map(([, key]) => pct(b[key]));
    bestRows.push([b.optimizer, point || '(base config)', formatLoss(b.final_train_loss_mean), formatLoss(b.final_train_loss_std), ...accs, String(b.runs), String(b.diverged)]);
  }
  lines.push(...pad(bestRows, 2));
  const lrs = [...new Set(agg.lr_robustness.map((r) => r.lr))].sort((a, b) => a - b);
  if (lrs.length > 1) {
    lines.push('', chalk.bold('learning-rate robustness (mean final train loss; best point at each lr)'));
    const optimizers = [...new Set(agg.lr_robustness.map((r) => r.optimizer))];
    const rows = [['optimizer', ...lrs.map((lr) => `lr=${lr}`)]];
    for (const opt of optimizers) {
      rows.push([
        opt,
        ...lrs.map((lr) => {
          const r = agg.lr_robustness.find((x) => x.optimizer === opt && x.lr === lr);
          if (!r) return '';
          return r.final_train_loss_mean === null ? 'div' : formatLoss(r.final_train_loss_mean);
        }),
      ]);
    }
    lines.push(...pad(rows));
  }
  return lines.join('\n');
}
