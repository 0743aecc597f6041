// A sweep's learning-rate robustness curve (lr_robustness.csv): final train loss against lr on a log
// axis, one line per optimizer with ± one standard deviation over seeds as error bars (from the point's
// row of sweep_summary.csv); a learning rate at which every point diverged is a cross at the top.
import type { TopLevelSpec } from 'vega-lite';
import { LOG_AXIS, colorScale, frame, seriesChannels, type Chart, type SeriesList, wantsLog } from './common.js';
import type { RobustnessRow } from '../../results/aggregate.js';

const OK = 'final loss';
const DIVERGED = 'every run diverged';

export interface RobustnessOptions {
  logY?: boolean;
  /** The std over seeds of the point a row stands for (undefined: unknown, no error bar). */
  stdOf?: (row: RobustnessRow) => number | undefined;
  /** The optimizers in colour order, with their kinds (default: in order of appearance, kind from the name). */
  series?: SeriesList;
}

/** The error bar of one finite row: mean ± std, its low end kept above 0 on a log axis. */
function errorBar(mean: number, std: number | undefined, logY: boolean): { lo: number; hi: number } | undefined {
  if (std === undefined || !Number.isFinite(std) || std <= 0) return undefined;
  // a log axis cannot reach 0 or below: the bar stops at a hundredth of the mean, far below the point
  return { lo: logY ? Math.max(mean - std, mean / 100) : mean - std, hi: mean + std };
}

export function robustnessChart(rows: RobustnessRow[], opts: RobustnessOptions = {}): Chart {
  const optimizers = [...new Set(rows.map((r) => r.optimizer))];
  const all = opts.series ?? optimizers;
  const finite = rows.filter((r) => r.final_train_loss_mean !== null && Number.isFinite(r.final_train_loss_mean));
  const losses = finite.map((r) => r.final_train_loss_mean!);
  const logY = wantsLog(losses, opts.logY) && losses.every((x) => x > 0);
  // diverged learning rates sit just above the highest finite loss, where the eye looks for "worse"
  const hi = losses.length ? Math.max(...losses) : 1;
  const lo = losses.length ? Math.min(...losses) : 1;
  const top = logY ? hi * 3 : hi + 0.1 * (hi - lo || Math.abs(hi) || 1);
  const values = [
    ...finite.map((r) => {
      const std = opts.stdOf?.(r);
      const bar = errorBar(r.final_train_loss_mean!, std, logY);
      return { series: r.optimizer, lr: r.lr, loss: r.final_train_loss_mean!, outcome: OK, points: r.points, diverged_points: r.diverged_points, ...(std !== undefined ? { std } : {}), ...(bar ? { lo: bar.lo, hi: bar.hi } : {}) };
    }),
    ...rows.filter((r) => !finite.includes(r)).map((r) => ({ series: r.optimizer, lr: r.lr, loss: top, outcome: DIVERGED, points: r.points, diverged_points: r.diverged_points })),
  ];
  const x = { field: 'lr', type: 'quantitative', title: 'learning rate', ...LOG_AXIS };
  const yScale = logY ? LOG_AXIS : { scale: { zero: false } };
  const y = { field: 'loss', type: 'quantitative', title: 'final train loss (mean ± std over seeds)', ...yScale };
  const color = { field: 'series', type: 'nominal', title: 'optimizer', scale: colorScale(optimizers, all) };
  const shape = { field: 'outcome', type: 'nominal', title: 'at this lr', scale: { domain: [OK, DIVERGED], range: ['circle', 'cross'] } };
  const spec = {
    ...frame('Learning-rate robustness', ['final train loss of the best point at each learning rate, mean ± one std over seeds', `× ${DIVERGED} (drawn above the highest finite loss)`]),
    data: { values },
    encoding: { x, y, color },
    layer: [
      { transform: [{ filter: 'isValid(datum.lo)' }], mark: { type: 'rule', strokeWidth: 1.4 }, encoding: { y: { field: 'lo', type: 'quantitative', ...yScale }, y2: { field: 'hi' } } },
      { transform: [{ filter: `datum.outcome === '${OK}'` }], mark: { type: 'line', strokeWidth: 1.6 }, encoding: seriesChannels(optimizers, all) },
      { mark: { type: 'point', filled: true, size: 60 }, encoding: { shape } },
    ],
  } as unknown as TopLevelSpec;
  return { name: 'lr-robustness', title: 'Learning-rate robustness', spec };
}
