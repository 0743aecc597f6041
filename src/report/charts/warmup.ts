// The warmup picture (Liu et al., ICLR 2020, fig. 1 and §5): the effective step size per step — lr_t
// for Adam-like runs (their warmup schedule as it ran) against lr_t·r_t for RAdam — beside what the
// steps did: ‖Δθ_t‖ (update_norm) and ‖g_t‖ (grad_norm), all from trace.csv.
import type { TopLevelSpec } from 'vega-lite';
import { DEFAULT_SMOOTHING, MAX_BANDED_SERIES, familyOf, frame, maxOf, seriesChannels, wantsLog, type Chart } from './common.js';
import { bandChart, smoothedBand } from './curves.js';
import type { OptimizerInfo } from './optimizers.js';
import { rectifiedZero, stepAxis, traceLines, withKnownZero } from './rectify.js';
import type { TraceRow } from '../../results/output-data.js';

/**
 * The step size that scales each optimizer's normalised update: Adam's lr_t, RAdam's lr_t·r_t (r_t = 0
 * on the steps before rectification, whether they skip the update or take an SGD-momentum one). SGD's
 * step is lr·m_t, not normalised, so it has no comparable step size and is left out.
 */
function effectiveStep(t: TraceRow, o: OptimizerInfo): number {
  if (t.step <= (o.freezeSteps ?? 0)) return 0;
  return familyOf(o.kind) === 'radam' ? t.lr * t.rect : t.lr;
}

/** The last step at which the effective step is known to be 0: the end of a freeze, or RAdam's last un-rectified step. */
function lastZeroStep(o: OptimizerInfo): number | null {
  const frozen = o.freezeSteps ?? 0;
  const rect = rectifiedZero(o);
  return frozen > 0 || rect !== null ? Math.max(frozen, rect ?? 0) : null;
}

/** Effective step size per step of the Adam-like and RAdam-like optimizers; undefined without either. */
export function effectiveStepChart(trace: TraceRow[], optimizers: OptimizerInfo[], logSteps?: boolean): Chart | undefined {
  const adaptive = optimizers.filter((o) => familyOf(o.kind) === 'adam' || familyOf(o.kind) === 'radam');
  const infoOf = new Map(adaptive.map((o) => [o.name, o]));
  const names = adaptive.map((o) => o.name).filter((n) => trace.some((t) => t.optimizer === n));
  if (names.length === 0) return undefined;
  const lines = withKnownZero(
    traceLines(trace, names, (t) => effectiveStep(t, infoOf.get(t.optimizer)!)),
    adaptive,
    lastZeroStep,
  );
  const spec = {
    ...frame('Effective step size: warmup against rectification', [
      'Adam-like: lr_t, its schedule (warmup included) as it ran; RAdam: lr_t·r_t, 0 until its first rectified step; 0 during freeze_steps',
      'the paper’s point: r_t is a warmup RAdam derives instead of one tuned by hand',
    ]),
    data: { values: lines },
    mark: { type: 'line', strokeWidth: 1.8, interpolate: 'linear' },
    encoding: {
      x: stepAxis(lines, logSteps),
      y: { field: 'value', type: 'quantitative', title: 'effective step size', axis: { format: '~g' } },
      ...seriesChannels(names, optimizers),
    },
  } as unknown as TopLevelSpec;
  return { name: 'effective-step', title: 'Effective step size', spec };
}

interface NormOptions {
  logSteps?: boolean;
  /** Debiased-EMA weight of ‖g_t‖ (as the training loss: one batch per point makes both noisy); 0 off. */
  smooth?: number;
}

function normChart(trace: TraceRow[], optimizers: OptimizerInfo[], column: 'gradNorm' | 'updateNorm', o: { name: string; title: string; subtitle: string; yTitle: string }, opts: NormOptions): Chart | undefined {
  // ‖g_t‖ is of one batch, noisy as the training loss: smoothed as it is. ‖Δθ_t‖ comes from the
  // optimizer's averaged moments and its early transient is the warmup picture: drawn as logged.
  const weight = column === 'gradNorm' ? (opts.smooth ?? DEFAULT_SMOOTHING) : 0;
  const obs = trace.map((t) => ({ series: t.optimizer, run: t.run, x: t.step, y: t[column] }));
  const points = smoothedBand(obs, weight);
  if (points.length === 0) return undefined;
  const series = optimizers.map((x) => x.name).filter((n) => points.some((p) => p.series === n));
  const runs = maxOf(points.map((p) => p.runs));
  const lines = [o.subtitle];
  if (runs > 1) lines.push(`mean over ${runs} seeds${series.length <= MAX_BANDED_SERIES ? '; band: min–max over seeds' : ''}`);
  if (weight > 0) lines.push(`smoothed: debiased EMA, weight ${weight}; faint: unsmoothed`);
  return bandChart(points, {
    name: o.name,
    title: o.title,
    subtitle: lines,
    xTitle: 'step',
    yTitle: o.yTitle,
    logY: wantsLog(points.map((p) => p.mean), undefined),
    logX: wantsLog(points.map((p) => p.x), opts.logSteps),
    series,
    allSeries: optimizers,
  });
}

/** ‖Δθ_t‖₂ per step: how far each step moved the parameters (weight decay included). */
export function updateNormChart(trace: TraceRow[], optimizers: OptimizerInfo[], opts: NormOptions = {}): Chart | undefined {
  return normChart(trace, optimizers, 'updateNorm', { name: 'update-norm', title: 'Update size ‖Δθ_t‖', subtitle: '‖θ_t − θ_{t−1}‖₂, the whole change made by step t', yTitle: '‖Δθ_t‖' }, opts);
}

/** ‖g_t‖₂ per step, of the raw gradient (before clipping or decay). */
export function gradNormChart(trace: TraceRow[], optimizers: OptimizerInfo[], opts: NormOptions = {}): Chart | undefined {
  return normChart(trace, optimizers, 'gradNorm', { name: 'grad-norm', title: 'Gradient norm ‖g_t‖', subtitle: '‖g_t‖₂ of the raw gradient, before clipping or weight decay', yTitle: '‖g_t‖' }, opts);
}
