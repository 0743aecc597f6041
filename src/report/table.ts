// The summary table printed after a compare: one row per run, colour-coded per optimizer (off with
// NO_COLOR, --no-color or non-TTY output: src/cli/colour.ts sets chalk's level), the best final loss highlighted.
import chalk, { type ChalkInstance } from 'chalk';
import type { RunResult } from '../results/run-result.js';
import type { RunSummary } from '../train/train.js';
import { formatLoss } from '../results/cells.js';

/**
 * Ten colours, so ten optimizers never share one; the report's charts use the same order
 * (charts/common.ts PALETTE_HEX). The bright variants come last and only where their base hue's
 * terminal rendering differs most (bright red leans orange, bright magenta violet, bright green lime).
 */
const PALETTE: ChalkInstance[] = [chalk.cyan, chalk.magenta, chalk.yellow, chalk.green, chalk.blue, chalk.red, chalk.white, chalk.redBright, chalk.magentaBright, chalk.greenBright];

/** How many colours the terminal palette has before the (k+PALETTE_SIZE)-th optimizer repeats the k-th. */
export const PALETTE_SIZE = PALETTE.length;

/** The colour of the k-th optimizer (stable across the table, bars and charts). */
export function colorFor(k: number): ChalkInstance {
  return PALETTE[((k % PALETTE.length) + PALETTE.length) % PALETTE.length]!;
}

/** "diverged at step 13: loss 3.37e4 > 1e4 × initial 2" — where and why a run diverged. */
export function divergedText(s: Pick<RunSummary, 'divergedAt' | 'divergedReason'>): string {
  return `diverged at step ${s.divergedAt}: ${s.divergedReason}`;
}

export function pct(x: number | undefined | null): string {
  return x === undefined || x === null || Number.isNaN(x) ? '—' : `${(100 * x).toFixed(1)}%`;
}

/** Render the summary as aligned text lines. */
export function renderSummaryTable(results: RunResult[]): string {
  const hasVal = results.some((r) => r.summary?.finalValLoss !== undefined);
  const hasAcc = results.some((r) => r.summary?.finalValAccuracy !== undefined || r.summary?.finalAccuracy !== undefined);
  const hasTest = results.some((r) => r.summary?.finalTestAccuracy !== undefined);
  const hasRAdam = results.some((r) => r.spec.optimizer.kind === 'radam');
  const headers = ['run', 'optimizer', 'final loss', 'best loss'];
  if (hasVal) headers.push('val loss', 'best val');
  if (hasAcc) headers.push(hasVal ? 'val acc' : 'acc');
  if (hasTest) headers.push('test acc');
  if (hasRAdam) headers.push('rectified from');
  headers.push('status', 'steps/s');

  const optimizerIndex = new Map<string, number>();
  for (const r of results) if (!optimizerIndex.has(r.spec.optimizer.name)) optimizerIndex.set(r.spec.optimizer.name, optimizerIndex.size);
  const finals = results.map((r) => r.summary?.finalLoss ?? NaN).filter((x) => Number.isFinite(x));
  const best = finals.length ? Math.min(...finals) : NaN;

  const rows: { cells: string[]; styles: (ChalkInstance | null)[] }[] = [];
  for (const r of results) {
    const s = r.summary;
    const color = colorFor(optimizerIndex.get(r.spec.optimizer.name)!);
    const cells = [r.spec.run, r.spec.optimizer.kind, formatLoss(s?.finalLoss), formatLoss(s?.bestLoss)];
    const styles: (ChalkInstance | null)[] = [color, null, s && s.finalLoss === best ? chalk.bold.green : null, null];
    if (hasVal) {
      cells.push(formatLoss(s?.finalValLoss), formatLoss(s?.bestValLoss));
      styles.push(null, null);
    }
    if (hasAcc) {
      cells.push(pct(hasVal ? s?.finalValAccuracy : s?.finalAccuracy));
      styles.push(null);
    }
    if (hasTest) {
      cells.push(pct(s?.finalTestAccuracy));
      styles.push(null);
    }
    if (hasRAdam) {
      cells.push(r.spec.optimizer.kind === 'radam' ? (s?.firstAdaptiveStep != null ? `step ${s.firstAdaptiveStep}` : 'never') : '');
      styles.push(null);
    }
    const status = r.error ? `failed: ${r.error}` : s?.divergedAt != null ? divergedText(s) : 'ok';
    cells.push(status, s ? Math.round(s.stepsPerSecond).toString() : '—');
    styles.push(r.error || s?.divergedAt != null ? chalk.red : chalk.dim, null);
    rows.push({ cells, styles });
  }
  const widths = headers.map((h, c) => Math.max(h.length, ...rows.map((r) => r.cells[c]!.length)));
  const numeric = (c: number): boolean => c >= 2 && headers[c] !== 'status' && headers[c] !== 'rectified from';
  const pad = (text: string, c: number): string => (numeric(c) ? text.padStart(widths[c]!) : text.padEnd(widths[c]!));
  const lines = [chalk.bold(headers.map((h, c) => pad(h, c)).join('  '))];
  for (const row of rows) {
    lines.push(row.cells.map((cell, c) => (row.styles[c] ? row.styles[c]!(pad(cell, c)) : pad(cell, c))).join('  '));
  }
  const entropy = results.find((r) => r.summary?.info.entropy_rate !== undefined)?.summary?.info.entropy_rate;
  if (entropy !== undefined) lines.push(chalk.dim(`best achievable loss (entropy rate of the data): ${formatLoss(entropy)}`));
  return lines.join('\n');
}
