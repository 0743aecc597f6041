// A compact text chart of the training loss of every optimizer (mean over seeds), for the end of
// `compare`: one glyph and colour per optimizer (colorFor, as the summary table), so it reads with or
// without colour; smoothed as TensorBoard smooths (debiased EMA); log-scaled y when the losses span two
// decades; ticks at round values on both axes; where curves meet, their glyphs alternate so the last
// drawn does not hide the others. Pure: returns the text.
import type { RunResult } from '../results/run-result.js';
import { colorFor } from './table.js';
import { DEFAULT_SMOOTHING, emaSmooth } from './charts/common.js';
import { formatLoss } from '../results/cells.js';

export interface TerminalChartOptions {
  /** Columns of the whole chart, y labels included. */
  width: number;
  /** Rows of the plot area (the x axis and the legend come below it). */
  height: number;
  /** Force (true) or forbid (false) a log y axis; default: log when the losses span two decades. */
  logY?: boolean;
  /** EMA weight in [0, 1) (TensorBoard's slider; default 0.6); 0 draws the raw mean curves. */
  smoothing?: number;
}

const GLYPHS = ['*', 'o', '+', 'x', '#', '@', '%'];
/** Round tick values (1, 2 or 5 × 10ᵏ apart) inside [lo, hi], about `target` of them. */
export function niceTicks(lo: number, hi: number, target: number): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / Math.max(1, target);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((m) => m >= raw)!;
  const ticks: number[] = [];
  // rounded to the step's precision, so 0.1 + 0.2 prints as 0.3
  for (let k = Math.ceil(lo / step - 1e-9); k * step <= hi + step * 1e-9; k++) ticks.push(Number((k * step).toPrecision(12)));
  return ticks;
}

/** A tick label: the shortest text of a round number. */
const tickLabel = (v: number): string => String(Number(v.toPrecision(6)));

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
  /** The y tick labels by row, and their width. */
  yTicks: Map<number, string>;
  labelWidth: number;
  /** The x ticks: column and step. */
  xTicks: { col: number; step: number }[];
  toY(loss: number): number;
  /** Fractional row (0 = top) of a plotted y. */
  rowOf(y: number): number;
  colOf(step: number): number;
}

type Curve = ReturnType<typeof meanCurves>[number];

export function renderTerminalChart(results: RunResult[], opts: TerminalChartOptions): string {
  const weight = opts.smoothing ?? DEFAULT_SMOOTHING;
  const curves = meanCurves(results);
  const all = curves.flatMap((c) => c.losses);
  const logY = opts.logY ?? (all.length > 0 && all.every((v) => v > 0) && Math.max(...all) / Math.min(...all) >= 100);
  const shown = curves.map((c) => {
    const keep = c.losses.map((v) => !logY || v > 0);
    const losses = c.losses.filter((_, i) => keep[i]);
    return { ...c, steps: c.steps.filter((_, i) => keep[i]), losses, smoothed: emaSmooth(losses, weight) };
  });
  if (shown.every((c) => c.losses.length === 0)) return 'no finite training loss to chart';
  const frame = frameOf(shown, logY, opts);
  // every cell collects the curves passing through it; a cell several share shows them in turn
  const cells: Set<number>[][] = Array.from({ length: frame.rows }, () => Array.from({ length: frame.cols }, () => new Set<number>()));
  const dots: Set<number>[][] = Array.from({ length: frame.rows }, () => Array.from({ length: frame.cols }, () => new Set<number>()));
  shown.forEach((c, k) => traceCurve(cells, dots, c, k, frame));
  const grid = cells.map((row, r) => row.map((here, col) => cellText(here, dots[r]![col]!, col)));
  return [...plotLines(grid, frame), ...footer(shown, frame, weight)].join('\n');
}

/** A cell's text: a curve's glyph (where several meet, the column picks which, so each shows), else a joining dot, else blank. */
function cellText(here: Set<number>, dot: Set<number>, col: number): string {
  const pick = (set: Set<number>): number => [...set][col % set.size]!;
  if (here.size > 0) {
    const k = pick(here);
    return colorFor(k)(GLYPHS[k % GLYPHS.length]!);
  }
  return dot.size > 0 ? colorFor(pick(dot))('·') : ' ';
}

function frameOf(shown: (Curve & { smoothed: number[] })[], logY: boolean, opts: TerminalChartOptions): Frame {
  const toY = (v: number): number => (logY ? Math.log10(v) : v);
  const ys = shown.flatMap((c) => c.smoothed).filter(Number.isFinite).map(toY);
  const yLo = Math.min(...ys);
  const yHi = Math.max(...ys);
  const stepLo = Math.min(...shown.flatMap((c) => c.steps));
  const stepHi = Math.max(...shown.flatMap((c) => c.steps));
  const rows = Math.max(2, opts.height);
  const rowOf = (y: number): number => (yHi === yLo ? Math.floor(rows / 2) : ((yHi - y) / (yHi - yLo)) * (rows - 1));
  // log axis: ticks at whole decades (1, 10, 100 …); linear: round values, about one per 3 rows
  const yValues = logY ? niceTicks(yLo, yHi, Math.min(rows / 2, Math.ceil(yHi - yLo))).filter(Number.isInteger) : niceTicks(yLo, yHi, rows / 3);
  const yTicks = new Map<number, string>();
  for (const y of yValues) {
    const row = Math.round(rowOf(y));
    if (!yTicks.has(row)) yTicks.set(row, tickLabel(logY ? 10 ** y : y));
  }
  const labelWidth = Math.max(1, ...[...yTicks.values()].map((l) => l.length));
  const cols = Math.max(10, opts.width - labelWidth - 2);
  const colOf = (step: number): number => (stepHi === stepLo ? 0 : Math.round(((step - stepLo) / (stepHi - stepLo)) * (cols - 1)));
  const xTicks = niceTicks(stepLo, stepHi, Math.max(1, Math.floor(cols / 12))).map((step) => ({ col: colOf(step), step }));
  return { logY, rows, cols, yTicks, labelWidth, xTicks, toY, rowOf, colOf };
}

/** Mark the cells the k-th (smoothed) curve passes: a point in every column, interpolated between logged steps; steep drops joined by dots. */
function traceCurve(cells: Set<number>[][], dots: Set<number>[][], c: Curve & { smoothed: number[] }, k: number, frame: Frame): void {
  // the mean plotted y of the logged steps falling in each column
  const byCol = new Map<number, { sum: number; n: number }>();
  c.steps.forEach((step, i) => {
    if (!Number.isFinite(c.smoothed[i]!)) return;
    const acc = byCol.get(frame.colOf(step)) ?? { sum: 0, n: 0 };
    acc.sum += frame.toY(c.smoothed[i]!);
    acc.n++;
    byCol.set(frame.colOf(step), acc);
  });
  const points = [...byCol].sort((a, b) => a[0] - b[0]).map(([col, { sum, n }]) => ({ col, row: frame.rowOf(sum / n) }));
  if (points.length === 0) return;
  let prevRow = Math.round(points[0]!.row);
  cells[prevRow]![points[0]!.col]!.add(k);
  for (let p = 1; p < points.length; p++) {
    const a = points[p - 1]!;
    const b = points[p]!;
    for (let col = a.col + 1; col <= b.col; col++) {
      const row = Math.round(a.row + ((b.row - a.row) * (col - a.col)) / (b.col - a.col));
      for (let r = Math.min(row, prevRow) + 1; r < Math.max(row, prevRow); r++) dots[r]![col]!.add(k);
      cells[row]![col]!.add(k);
      prevRow = row;
    }
  }
}

/** The plot area with its y tick labels, and the x axis with its ticks. */
function plotLines(grid: string[][], frame: Frame): string[] {
  const { yTicks, labelWidth, cols, xTicks } = frame;
  const lines = grid.map((cells, r) => `${(yTicks.get(r) ?? '').padStart(labelWidth)} ${yTicks.has(r) ? '┤' : '│'}${cells.join('')}`);
  const axis = Array<string>(cols).fill('─');
  for (const t of xTicks) axis[t.col] = '┬';
  lines.push(`${' '.repeat(labelWidth)} └${axis.join('')}`);
  return lines;
}

/** The x tick labels (centred under their ticks where they fit) and the legend: glyph, optimizer and its last mean loss. */
function footer(shown: Curve[], frame: Frame, weight: number): string[] {
  const { labelWidth, cols, xTicks, logY } = frame;
  const labels = Array<string>(cols).fill(' ');
  let free = 0;
  for (const t of xTicks) {
    const text = String(t.step);
    const at = Math.min(cols - text.length, Math.max(0, t.col - Math.floor(text.length / 2)));
    if (at < free) continue;
    for (let i = 0; i < text.length; i++) labels[at + i] = text[i]!;
    free = at + text.length + 1;
  }
  const legend = shown.map((c, k) => colorFor(k)(`${GLYPHS[k % GLYPHS.length]} ${c.name}`) + (c.losses.length ? ` ${formatLoss(c.losses[c.losses.length - 1])}` : ''));
  const smoothing = weight > 0 ? `, smoothed (EMA ${weight})` : '';
  return [`${' '.repeat(labelWidth + 2)}${labels.join('')}`, `${' '.repeat(labelWidth + 2)}train loss${logY ? ' (log scale)' : ''}, mean over seeds${smoothing}, step →:  ${legend.join('   ')}`];
}
