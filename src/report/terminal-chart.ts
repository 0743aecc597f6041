// A compact text chart of the training loss of every optimizer (mean over seeds), for the end of
// `compare`: one glyph and colour per optimizer (colorFor, as the summary table), so it reads with or
// without colour; log-scaled y when the losses span two decades. Pure: returns the text.
import type { RunResult } from '../results/run-result.js';
import { colorFor } from './table.js';
import { formatLoss } from '../results/cells.js';

export interface TerminalChartOptions {
  /** Columns of the whole chart, y labels included. */
  width: number;
  /** Rows of the plot area (the x axis and the legend come below it). */
  height: number;
  /** Force (true) or forbid (false) a log y axis; default: log when the losses span two decades. */
  logY?: boolean;
}

const GLYPHS = ['*', 'o', '+', 'x', '#', '@', '%'];

/** Mean train loss over the seeds of each optimizer, per logged step; optimizers in order of appearance. */
function meanCurves(results: RunResult[]): { name: string; steps: number[]; losses: number[] }[] {
  const byName = new Map<string, Map<number, number[]>>();
  for (const r of results) {
    let bySteps = byName.get(r.spec.optimizer.name);
    if (!bySteps) byName.set(r.spec.optimizer.name, (bySteps = new Map()));
    for (const s of r.steps) {
      if (!Number.isFinite(s.loss)) continue;
      const list = bySteps.get(s.step);
      if (list) list.push(s.loss);
      else bySteps.set(s.step, [s.loss]);
    }
  }
  return [...byName].map(([name, bySteps]) => {
    const steps = [...bySteps.keys()].sort((a, b) => a - b);
    return { name, steps, losses: steps.map((t) => bySteps.get(t)!.reduce((a, b) => a + b, 0) / bySteps.get(t)!.length) };
  });
}

/** Where things go: y (log10 of the loss on a log axis) and steps mapped onto rows and columns. */
interface Frame {
  logY: boolean;
  rows: number;
  cols: number;
  /** The y labels (top, middle, bottom) and their width. */
  labels: [string, string, string];
  labelWidth: number;
  stepLo: number;
  stepHi: number;
  toY(loss: number): number;
  /** Fractional row (0 = top) of a plotted y. */
  rowOf(y: number): number;
  colOf(step: number): number;
}

type Curve = ReturnType<typeof meanCurves>[number];

export function renderTerminalChart(results: RunResult[], opts: TerminalChartOptions): string {
  const curves = meanCurves(results);
  const all = curves.flatMap((c) => c.losses);
  const logY = opts.logY ?? (all.length > 0 && all.every((v) => v > 0) && Math.max(...all) / Math.min(...all) >= 100);
  const shown = curves.map((c) => {
    const keep = c.losses.map((v) => !logY || v > 0);
    return { ...c, steps: c.steps.filter((_, i) => keep[i]), losses: c.losses.filter((_, i) => keep[i]) };
  });
  if (shown.every((c) => c.losses.length === 0)) return 'no finite training loss to chart';
  const frame = frameOf(shown, logY, opts);
  // each cell holds the text to print (a glyph, coloured); later optimizers draw over earlier ones
  const grid: string[][] = Array.from({ length: frame.rows }, () => Array<string>(frame.cols).fill(' '));
  shown.forEach((c, k) => drawCurve(grid, c, k, frame));
  return [...plotLines(grid, frame), ...footer(shown, frame)].join('\n');
}

function frameOf(shown: Curve[], logY: boolean, opts: TerminalChartOptions): Frame {
  const toY = (v: number): number => (logY ? Math.log10(v) : v);
  const fromY = (y: number): number => (logY ? 10 ** y : y);
  const ys = shown.flatMap((c) => c.losses).map(toY);
  const yLo = Math.min(...ys);
  const yHi = Math.max(...ys);
  const stepLo = Math.min(...shown.flatMap((c) => c.steps));
  const stepHi = Math.max(...shown.flatMap((c) => c.steps));
  const rows = Math.max(2, opts.height);
  const labels: [string, string, string] = [formatLoss(fromY(yHi)), formatLoss(fromY((yHi + yLo) / 2)), formatLoss(fromY(yLo))];
  const labelWidth = Math.max(...labels.map((l) => l.length));
  const cols = Math.max(10, opts.width - labelWidth - 2);
  return {
    logY,
    rows,
    cols,
    labels,
    labelWidth,
    stepLo,
    stepHi,
    toY,
    rowOf: (y) => (yHi === yLo ? Math.floor(rows / 2) : ((yHi - y) / (yHi - yLo)) * (rows - 1)),
    colOf: (step) => (stepHi === stepLo ? 0 : Math.round(((step - stepLo) / (stepHi - stepLo)) * (cols - 1))),
  };
}

/** The k-th curve: a glyph in every column, interpolated between logged steps; steep drops joined by dots. */
function drawCurve(grid: string[][], c: Curve, k: number, frame: Frame): void {
  if (c.steps.length === 0) return;
  const color = colorFor(k);
  const glyph = color(GLYPHS[k % GLYPHS.length]!);
  // the mean plotted y of the logged steps falling in each column
  const byCol = new Map<number, { sum: number; n: number }>();
  c.steps.forEach((step, i) => {
    const acc = byCol.get(frame.colOf(step)) ?? { sum: 0, n: 0 };
    acc.sum += frame.toY(c.losses[i]!);
    acc.n++;
    byCol.set(frame.colOf(step), acc);
  });
  const points = [...byCol].sort((a, b) => a[0] - b[0]).map(([col, { sum, n }]) => ({ col, row: frame.rowOf(sum / n) }));
  let prevRow = Math.round(points[0]!.row);
  grid[prevRow]![points[0]!.col] = glyph;
  for (let p = 1; p < points.length; p++) {
    const a = points[p - 1]!;
    const b = points[p]!;
    for (let col = a.col + 1; col <= b.col; col++) {
      const row = Math.round(a.row + ((b.row - a.row) * (col - a.col)) / (b.col - a.col));
      for (let r = Math.min(row, prevRow) + 1; r < Math.max(row, prevRow); r++) grid[r]![col] = color('·');
      grid[row]![col] = glyph;
      prevRow = row;
    }
  }
}

/** The plot area with its y labels (top, middle, bottom) and the x axis. */
function plotLines(grid: string[][], frame: Frame): string[] {
  const { rows, labels, labelWidth, cols } = frame;
  const labelAt = new Map([
    [0, labels[0]],
    [Math.round((rows - 1) / 2), labels[1]],
    [rows - 1, labels[2]],
  ]);
  const lines = grid.map((cells, r) => `${(labelAt.get(r) ?? '').padStart(labelWidth)} ${labelAt.has(r) ? '┤' : '│'}${cells.join('')}`);
  lines.push(`${' '.repeat(labelWidth)} └${'─'.repeat(cols)}`);
  return lines;
}

/** The first and last step under the x axis, and the legend: glyph, optimizer and its last mean loss. */
function footer(shown: Curve[], frame: Frame): string[] {
  const { labelWidth, cols, stepLo, stepHi, logY } = frame;
  const first = `step ${stepLo}`;
  const legend = shown.map((c, k) => colorFor(k)(`${GLYPHS[k % GLYPHS.length]} ${c.name}`) + (c.losses.length ? ` ${formatLoss(c.losses[c.losses.length - 1])}` : ''));
  return [
    `${' '.repeat(labelWidth + 2)}${first}${String(stepHi).padStart(cols - first.length)}`,
    `${' '.repeat(labelWidth + 2)}train loss${logY ? ' (log scale)' : ''}, mean over seeds:  ${legend.join('   ')}`,
  ];
}
