// Which charts an output directory gets, in report order: compare curves and RAdam traces, a sweep's
// robustness and best curves, the variance figure. Specs only; rendering is report.ts's job.
import { ConfigError } from '../../base/errors.js';
import { alrCvChart, alrMeanChart } from './adaptive-lr.js';
import type { Chart } from './common.js';
import { bestCurvesChart, checkMetric, curvesChart, type CurveOptions } from './curves.js';
import type { RobustnessRow } from '../../results/aggregate.js';
import type { Table } from '../../results/read.js';
import { optimizerInfo } from './optimizers.js';
import { rectChart, rhoChart } from './rectify.js';
import { heatmapChart } from './heatmap.js';
import { robustnessChart } from './robustness.js';
import { varianceChart, varianceRectChart } from './variance.js';
import { effectiveStepChart, gradNormChart, updateNormChart } from './warmup.js';

export type { Chart } from './common.js';
export type { ReportData } from './overlay.js';
import type { ReportData } from './overlay.js';

export interface ChartOptions {
  metric?: string;
  /** Debiased-EMA weight of the training curves, 0 ≤ w < 1 (0: off; default 0.6, TensorBoard's). */
  smooth?: number;
  logY?: boolean;
  /** Log-scaled step axes on every chart over steps (default: linear for losses, log for traces spanning two decades). */
  logSteps?: boolean;
}

/**
 * The std over seeds of the point a robustness row stands for: lr_robustness.csv keeps the best point's
 * mean at each lr, sweep_summary.csv that point's row with its std (both written by num(), so the
 * means compare exactly).
 */
function pointStd(points: Table, r: RobustnessRow): number | undefined {
  const row = points.rows.find((p) => p.optimizer === r.optimizer && Number(p.lr) === r.lr && p.final_train_loss_mean !== '' && Number(p.final_train_loss_mean) === r.final_train_loss_mean);
  const std = row?.final_train_loss_std;
  return std === undefined || std === '' ? undefined : Number(std);
}

/**
 * The data's entropy rate when every run reports the same one (a compare's runs share their data; an
 * overlay of compares on different data has no single floor), else undefined.
 */
function lossFloor(rates: (number | undefined)[]): number | undefined {
  const first = rates[0];
  return first !== undefined && Number.isFinite(first) && rates.every((r) => r === first) ? first : undefined;
}

export function buildCharts(data: ReportData, opts: ChartOptions = {}): Chart[] {
  if (opts.smooth !== undefined && !(opts.smooth >= 0 && opts.smooth < 1)) {
    throw new ConfigError(`--smooth: expected a weight in [0, 1) (0: no smoothing), got ${opts.smooth}`);
  }
  const allCurves = [...(data.compare?.curves ?? []), ...(data.sweep?.best.flatMap((b) => b.curves) ?? [])];
  const metric = checkMetric(opts.metric, allCurves, data.dir);
  const curveOpts: CurveOptions = { metric, smooth: opts.smooth, logY: opts.logY, logSteps: opts.logSteps };
  const charts: (Chart | undefined)[] = [];
  if (data.compare) {
    const { curves, trace } = data.compare;
    const optimizers = data.optimizers ?? optimizerInfo(data.compare, data.manifest);
    const has = (split: string): boolean => curves.some((c) => c.split === split && Number.isFinite(metric === 'loss' ? c.loss : c.accuracy));
    const splitOpts = { ...curveOpts, floor: lossFloor(data.compare.summaryRows.map((r) => r.entropy_rate)) };
    if (has('train')) charts.push(curvesChart(curves, 'train', optimizers, splitOpts));
    if (has('val')) charts.push(curvesChart(curves, 'val', optimizers, splitOpts));
    if (has('test')) charts.push(curvesChart(curves, 'test', optimizers, splitOpts));
    const logSteps = opts.logSteps;
    // the warmup picture (effective step size, ‖Δθ‖, ‖g‖) right after the losses, then RAdam's terms
    charts.push(effectiveStepChart(trace, optimizers, logSteps), updateNormChart(trace, optimizers, { logSteps, smooth: opts.smooth }), gradNormChart(trace, optimizers, { logSteps, smooth: opts.smooth }));
    charts.push(rhoChart(trace, optimizers, logSteps), rectChart(trace, optimizers, logSteps), alrMeanChart(trace, optimizers, logSteps), alrCvChart(trace, optimizers, logSteps));
  }
  if (data.sweep) {
    const { robustness, points } = data.sweep;
    if (robustness.length > 0) charts.push(robustnessChart(robustness, { logY: opts.logY, stdOf: (r) => pointStd(points, r) }));
    charts.push(heatmapChart(points, data.sweep.params, [...new Set(robustness.map((r) => r.optimizer))], { logColor: opts.logY }));
    if (data.sweep.best.some((b) => b.curves.length > 0)) charts.push(bestCurvesChart(data.sweep.best, curveOpts));
  }
  if (data.variance && data.variance.length > 0) {
    charts.push(varianceChart(data.variance), varianceRectChart(data.variance));
  }
  return charts.filter((c): c is Chart => c !== undefined);
}
