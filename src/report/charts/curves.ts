// Loss (or accuracy) curves: one line per optimizer, the mean over seeds with a min–max band where
// there are several seeds; for a compare (train or validation split) and for a sweep's best points.
import type { TopLevelSpec } from 'vega-lite';
import { ConfigError } from '../../base/errors.js';
import { DEFAULT_SMOOTHING, LOG_AXIS, LOG_STEP_AXIS, MAX_BANDED_SERIES, colorScale, frame, maxOf, meanBand, seriesChannels, smoothRuns, type BandPoint, type Chart, type Observation, type SeriesList, wantsLog } from './common.js';
import type { BestPoint, CurveRow } from '../../results/output-data.js';

export type Metric = 'loss' | 'accuracy';

export interface CurveOptions {
  metric?: Metric;
  /** Weight of the debiased EMA of the train curves (0: off); default DEFAULT_SMOOTHING, as TensorBoard. */
  smooth?: number;
  /** Force (true) or forbid (false) a log y axis; default: log when the values span two decades. */
  logY?: boolean;
  /** Force a log (true) or linear (false) step axis; default linear. */
  logSteps?: boolean;
  /** The best achievable loss of the data (markov-text's entropy rate), drawn as a rule on loss charts. */
  floor?: number;
}

const SPLIT_TITLE: Record<string, string> = { train: 'Training', val: 'Validation', test: 'Test' };
const SPLIT_AXIS: Record<string, string> = { train: 'train', val: 'validation', test: 'test' };

function observations(curves: CurveRow[], split: string, metric: Metric, seriesOf: (c: CurveRow) => string): Observation[] {
  return curves.filter((c) => c.split === split).map((c) => ({ series: seriesOf(c), run: c.run, x: c.step, y: metric === 'loss' ? c.loss : c.accuracy }));
}

/** The subtitle lines on seeds and smoothing of a band chart of `series` series. */
function subtitle(points: BandPoint[], series: number, weight: number, extra: string[] = []): string[] {
  const runs = maxOf(points.map((p) => p.runs));
  const lines = [...extra];
  if (runs > 1) lines.push(series <= MAX_BANDED_SERIES ? `mean over ${runs} seeds; band: min–max over seeds` : `mean over ${runs} seeds (no bands: more than ${MAX_BANDED_SERIES} series)`);
  if (weight > 0) lines.push(`smoothed: debiased EMA, weight ${weight} (as TensorBoard); faint: unsmoothed`);
  return lines;
}

/** Band points of the smoothed runs, each with the unsmoothed mean beside it (`raw`) when smoothing. */
export function smoothedBand(obs: Observation[], weight: number): (BandPoint & { raw?: number })[] {
  const points = meanBand(smoothRuns(obs, weight));
  if (weight <= 0) return points;
  const raw = new Map(meanBand(obs).map((p) => [`${p.series}\u0000${p.x}`, p.mean]));
  return points.map((p) => ({ ...p, raw: raw.get(`${p.series}\u0000${p.x}`) }));
}

export interface BandChartOptions {
  name: string;
  title: string;
  subtitle: string[];
  xTitle: string;
  yTitle: string;
  logY: boolean;
  logX?: boolean;
  series: string[];
  allSeries?: SeriesList;
  seriesTitle?: string;
  /** A horizontal rule at this value, labelled (the loss floor). */
  floor?: { value: number; label: string };
}

/**
 * Lines of the mean (with points when sparse), one colour and dash per series; a min–max band under
 * them where there are several seeds and at most MAX_BANDED_SERIES series; the unsmoothed mean faint
 * behind where the points carry one (`raw`).
 */
export function bandChart(points: (BandPoint & { raw?: number })[], o: BandChartOptions): Chart {
  // a log axis cannot show zero or negative values
  const shown = o.logY ? points.filter((p) => p.mean > 0).map((p) => ({ ...p, lo: p.lo > 0 ? p.lo : p.mean, raw: p.raw !== undefined && p.raw > 0 ? p.raw : undefined })) : points;
  const scale = colorScale(o.series, o.allSeries);
  const hex = new Map(scale.domain.map((s, k) => [s, scale.range[k]!]));
  const values = shown.map((p) => ({ series: p.series, x: p.x, mean: p.mean, lo: p.lo, hi: p.hi, runs: p.runs, ...(p.raw !== undefined ? { raw: p.raw, rawColor: hex.get(p.series) } : {}) }));
  const sparse = maxOf(o.series.map((s) => values.filter((v) => v.series === s).length)) <= 30;
  const y = { type: 'quantitative' as const, title: o.yTitle, ...(o.logY ? LOG_AXIS : { scale: { zero: false } }) };
  const title = o.seriesTitle ?? 'optimizer';
  const color = { field: 'series', type: 'nominal' as const, title, scale };
  const layer: TopLevelSpec[] = [];
  if (shown.some((p) => p.raw !== undefined)) {
    // the unsmoothed curve, faint and solid, as TensorBoard draws it. Its colour is given (the
    // series' own, unscaled), so it has no legend: sharing the lines' legend would lend it the
    // faintness, and a legend-less colour channel conflicts with theirs (Vega-Lite drops both)
    layer.push({ mark: { type: 'line', strokeWidth: 1, opacity: 0.28 }, encoding: { y: { field: 'raw', ...y }, stroke: { field: 'rawColor', type: 'nominal', scale: null }, detail: { field: 'series' } } } as unknown as TopLevelSpec);
  }
  if (o.series.length <= MAX_BANDED_SERIES && shown.some((p) => p.runs > 1)) {
    // fillOpacity, not opacity: the legend (shared with the lines) would take the band's opacity
    layer.push({ mark: { type: 'area', fillOpacity: 0.18 }, encoding: { y: { field: 'lo', ...y }, y2: { field: 'hi' }, fill: { ...color, legend: null } } } as unknown as TopLevelSpec);
  }
  layer.push({ mark: { type: 'line', strokeWidth: 1.8, point: sparse }, encoding: { y: { field: 'mean', ...y }, ...seriesChannels(o.series, o.allSeries, 'series', title) } } as unknown as TopLevelSpec);
  if (o.floor !== undefined) layer.push(...floorLayers(o.floor, y));
  const spec = {
    ...frame(o.title, o.subtitle),
    data: { values },
    encoding: { x: { field: 'x', type: 'quantitative', title: o.xTitle, ...(o.logX ? LOG_STEP_AXIS : {}) } },
    layer,
  } as unknown as TopLevelSpec;
  return { name: o.name, title: o.title, spec };
}

/**
 * A grey dashed rule across the plot at the floor, its label above the left end (where the curves are
 * still high: they approach the floor at the right). It has its own data
 * (one row) and its own x (the plot's edges): the step field the layers inherit is not in that row.
 */
function floorLayers(floor: { value: number; label: string }, y: object): TopLevelSpec[] {
  const data = { values: [{ floor: floor.value, label: floor.label }] };
  const at = { y: { field: 'floor', ...y } };
  return [
    { data, mark: { type: 'rule', color: '#555555', strokeDash: [2, 2], strokeWidth: 1.2 }, encoding: { ...at, x: { value: 0 }, x2: { value: 'width' } } },
    { data, mark: { type: 'text', align: 'left', baseline: 'bottom', dx: 4, dy: -2, fontSize: 10, color: '#555555' }, encoding: { ...at, x: { value: 0 }, text: { field: 'label' } } },
  ] as unknown as TopLevelSpec[];
}

/** The train or validation curves of a compare: one line per optimizer, in order of appearance. */
export function curvesChart(curves: CurveRow[], split: 'train' | 'val' | 'test', optimizers: SeriesList, opts: CurveOptions = {}): Chart {
  const metric = opts.metric ?? 'loss';
  // only the training curve is noisy (one batch per point); evaluations are already averages
  const weight = split === 'train' ? (opts.smooth ?? DEFAULT_SMOOTHING) : 0;
  const points = smoothedBand(observations(curves, split, metric, (c) => c.optimizer), weight);
  const series = optimizers.map((o) => (typeof o === 'string' ? o : o.name)).filter((name) => points.some((p) => p.series === name));
  const title = `${SPLIT_TITLE[split]} ${metric}`;
  return bandChart(points, {
    name: `${split}-${metric}`,
    title,
    subtitle: subtitle(points, series.length, weight, [
      split === 'train' ? `${metric} of the batch used for each update, before it` : split === 'test' ? `${metric} on the whole test set (eval.test)` : `${metric} on held-out batches`,
    ]),
    xTitle: 'step',
    yTitle: `${SPLIT_AXIS[split]} ${metric}`,
    logY: metric === 'loss' && wantsLog(points.map((p) => p.mean), opts.logY),
    logX: opts.logSteps,
    series,
    allSeries: optimizers,
    floor: metric === 'loss' && opts.floor !== undefined ? { value: opts.floor, label: `entropy rate of the data: ${opts.floor.toPrecision(4)} (best achievable loss)` } : undefined,
  });
}

/** "adam · lr=0.1, eps=1e-8": an optimizer and its best point, parameter paths shortened. */
export function bestLabel(b: BestPoint): string {
  const parts = Object.entries(b.point).map(([k, v]) => `${k.split('.').pop()}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`);
  return parts.length > 0 ? `${b.optimizer} · ${parts.join(', ')}` : b.optimizer;
}

/** A sweep's best point per optimizer: its training curves (mean and band over its seeds). */
export function bestCurvesChart(best: BestPoint[], opts: CurveOptions = {}): Chart {
  const metric = opts.metric ?? 'loss';
  const weight = opts.smooth ?? DEFAULT_SMOOTHING;
  const labels = best.map(bestLabel);
  const obs = best.flatMap((b, k) => observations(b.curves, 'train', metric, () => labels[k]!));
  const points = smoothedBand(obs, weight);
  return bandChart(points, {
    name: `best-train-${metric}`,
    title: `Training ${metric} at the best point of each optimizer`,
    subtitle: subtitle(points, labels.length, weight, ['best point: lowest mean final train loss among points where no run diverged']),
    xTitle: 'step',
    yTitle: `train ${metric}`,
    logY: metric === 'loss' && wantsLog(points.map((p) => p.mean), opts.logY),
    logX: opts.logSteps,
    series: labels,
    // the family (dash) of a best point is its optimizer's
    allSeries: best.map((b, k) => ({ name: labels[k]!, kind: b.optimizer })),
    seriesTitle: 'best point',
  });
}

/** Unknown metrics, or accuracy asked of curves that have none, are the user's mistake. */
export function checkMetric(metric: string | undefined, curves: CurveRow[], where: string): Metric {
  const m = metric ?? 'loss';
  if (m !== 'loss' && m !== 'accuracy') throw new ConfigError(`--metric: expected loss or accuracy, got "${m}"`);
  if (m === 'accuracy' && curves.length > 0 && !curves.some((c) => Number.isFinite(c.accuracy))) {
    throw new ConfigError(`${where}: expected accuracy values for --metric accuracy, got none (only classification models have an accuracy)`);
  }
  return m;
}
