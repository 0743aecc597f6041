// A two-parameter sweep as a heatmap per optimizer (sweep_summary.csv): one cell per point, coloured by
// the mean final train loss over seeds (best = bright), the value written in it, "div" where a run of
// the point diverged or failed. A line chart of two parameters would need one line per value of one.
import type { TopLevelSpec } from 'vega-lite';
import { CONFIG, maxOf, minOf, wantsLog, type Chart } from './common.js';
import type { Table } from '../../results/read.js';

const CELL_WIDTH = 56;
const CELL_HEIGHT = 30;

/** Values of a parameter column in order: numerically when they all are numbers, else as first seen. */
function ordered(values: string[]): string[] {
  const unique = [...new Set(values)];
  return unique.every((v) => v !== '' && Number.isFinite(Number(v))) ? unique.sort((a, b) => Number(a) - Number(b)) : unique;
}

/** "0.5384" / "1.2e-5": a loss in four significant digits for a cell. */
function short(x: number): string {
  return Math.abs(x) >= 1e-3 && Math.abs(x) < 1e4 ? String(Number(x.toPrecision(3))) : x.toExponential(1);
}

/** A point's mean final train loss; NaN for an empty cell (every run diverged). */
function meanOf(row: Record<string, string>): number {
  const text = row.final_train_loss_mean ?? '';
  return text === '' ? NaN : Number(text);
}

interface Cell {
  series: string;
  a: string;
  b: string;
  loss: number | null;
  label: string;
  /** The cell's colour is at the dark end of the scale: its text is white. */
  dark: boolean;
}

function cells(points: Table, [pa, pb]: [string, string], logColor: boolean): Cell[] {
  const losses = points.rows.map(meanOf).filter((x) => Number.isFinite(x) && (!logColor || x > 0));
  const t = (x: number): number => (logColor ? Math.log(x) : x);
  const [lo, hi] = [t(minOf(losses)), t(maxOf(losses))];
  return points.rows.map((r) => {
    const bad = Number(r.diverged ?? 0) + Number(r.failed ?? 0) > 0;
    const mean = meanOf(r);
    const loss = !bad && Number.isFinite(mean) && (!logColor || mean > 0) ? mean : null;
    // reversed viridis: the best (lowest) losses bright yellow, the worst dark purple
    const dark = loss !== null && hi > lo && (t(loss) - lo) / (hi - lo) > 0.55;
    return { series: r.optimizer!, a: r[pa]!, b: r[pb]!, loss, label: loss === null ? 'div' : short(loss), dark };
  });
}

/**
 * The heatmap of a sweep over exactly two parameters, one panel per optimizer; undefined for other
 * sweeps or when sweep_summary.csv lacks a parameter's column.
 */
export function heatmapChart(points: Table, params: string[], optimizers: string[], opts: { logColor?: boolean } = {}): Chart | undefined {
  if (params.length !== 2 || points.rows.length === 0 || !params.every((p) => points.columns.includes(p))) return undefined;
  const [pa, pb] = params as [string, string];
  const finite = points.rows.map(meanOf).filter((x) => Number.isFinite(x));
  const logColor = wantsLog(finite, opts.logColor) && finite.every((x) => x > 0);
  const values = cells(points, [pa, pb], logColor);
  const aOrder = ordered(values.map((v) => v.a));
  const bOrder = ordered(values.map((v) => v.b));
  const x = { field: 'a', type: 'ordinal', title: pa, sort: aOrder, axis: { labelAngle: 0 } };
  const y = { field: 'b', type: 'ordinal', title: pb, sort: bOrder };
  const title = `Sweep over ${pa} × ${pb}`;
  const spec = {
    title: { text: title, subtitle: ['mean final train loss over seeds at each point (bright: lowest); div: a run of the point diverged or failed'] },
    config: CONFIG,
    data: { values },
    facet: { column: { field: 'series', type: 'nominal', title: null, sort: optimizers, header: { labelFontSize: 12, labelFontWeight: 'bold' } } },
    spec: {
      width: CELL_WIDTH * aOrder.length,
      height: CELL_HEIGHT * bOrder.length,
      layer: [
        { mark: { type: 'rect', color: '#eeeeee' }, encoding: { x, y } },
        {
          mark: { type: 'rect' },
          encoding: { x, y, color: { field: 'loss', type: 'quantitative', title: 'final train loss', legend: { format: '.3~g' }, scale: { scheme: 'viridis', reverse: true, ...(logColor ? { type: 'log' } : {}) } } },
        },
        { mark: { type: 'text', fontSize: 10 }, encoding: { x, y, text: { field: 'label' }, color: { condition: { test: 'datum.dark', value: '#ffffff' }, value: '#222222' } } },
      ],
    },
  } as unknown as TopLevelSpec;
  return { name: 'sweep-heatmap', title, spec };
}
