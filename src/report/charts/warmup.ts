// The warmup picture (Liu et al., ICLR 2020, fig. 1 and §5): the effective step size per step — lr_t
// for Adam-like runs (their warmup schedule as it ran) against lr_t·r_t for RAdam — beside what the
// steps did: ‖Δθ_t‖ (update_norm) and ‖g_t‖ (grad_norm), all from trace.csv.
import type { TopLevelSpec } from 'vega-lite';
import { familyOf, frame, maxOf, meanBand, seriesChannels, wantsLog, type Chart } from './common.js';
import { bandChart } from './curves.js';
import type { OptimizerInfo } from './optimizers.js';
import { stepAxis, traceLines, withKnownZero } from './rectify.js';
import type { TraceRow } from '../../results/output-data.js';

/**
 * The step size that scales each optimizer's normalised update: Adam's lr_t, RAdam's lr_t·r_t (r_t = 0
 * on the steps before rectification, whether they skip the update or take an SGD-momentum one). SGD's
 * step is lr·m_t, not normalised, so it has no comparable step size and is left out.
 */
function effectiveStep(t: TraceRow, kind: string): number {
  return familyOf(kind) === 'radam' ? t.lr * t.rect : t.lr;
}

/** Effective step size per step of the Adam-like and RAdam-like optimizers; undefined without either. */
export function effectiveStepChart(trace: TraceRow[], optimizers: OptimizerInfo[], logSteps?: boolean): Chart | undefined {
  const adaptive = optimizers.filter((o) => familyOf(o.kind) === 'adam' || familyOf(o.kind) === 'radam');
  const kindOf = new Map(adaptive.map((o) => [o.name, o.kind]));
  const names = adaptive.map((o) => o.name).filter((n) => trace.some((t) => t.optimizer === n));
  if (names.length === 0) return undefined;
  const lines = withKnownZero(
    traceLines(trace, names, (t) => effectiveStep(t, kindOf.get(t.optimizer)!)),
    adaptive,
  );
  const spec = {
    ...frame('Effective step size: warmup against rectification', [
      'Adam-like: lr_t, its schedule (warmup included) as it ran; RAdam: lr_t·r_t, 0 until its first rectified step',
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

function normChart(trace: TraceRow[], optimizers: OptimizerInfo[], column: 'gradNorm' | 'updateNorm', o: { name: string; title: string; subtitle: string; yTitle: string }, logSteps: boolean | undefined): Chart | undefined {
  const obs = trace.map((t) => ({ series: t.optimizer, run: t.run, x: t.step, y: t[column] }));
  const points = meanBand(obs);
  if (points.length === 0) return undefined;
  const series = optimizers.map((x) => x.name).filter((n) => points.some((p) => p.series === n));
  const runs = maxOf(points.map((p) => p.runs));
  return bandChart(points, {
    name: o.name,
    title: o.title,
    subtitle: runs > 1 ? [o.subtitle, `mean over ${runs} seeds${series.length <= 4 ? '; band: min–max over seeds' : ''}`] : [o.subtitle],
    xTitle: 'step',
    yTitle: o.yTitle,
    logY: wantsLog(points.map((p) => p.mean), undefined),
    logX: wantsLog(points.map((p) => p.x), logSteps),
    series,
    allSeries: optimizers,
  });
}

/** ‖Δθ_t‖₂ per step: how far each step moved the parameters (weight decay included). */
export function updateNormChart(trace: TraceRow[], optimizers: OptimizerInfo[], logSteps?: boolean): Chart | undefined {
  return normChart(trace, optimizers, 'updateNorm', { name: 'update-norm', title: 'Update size ‖Δθ_t‖', subtitle: '‖θ_t − θ_{t−1}‖₂, the whole change made by step t', yTitle: '‖Δθ_t‖' }, logSteps);
}

/** ‖g_t‖₂ per step, of the raw gradient (before clipping or decay). */
export function gradNormChart(trace: TraceRow[], optimizers: OptimizerInfo[], logSteps?: boolean): Chart | undefined {
  return normChart(trace, optimizers, 'gradNorm', { name: 'grad-norm', title: 'Gradient norm ‖g_t‖', subtitle: '‖g_t‖₂ of the raw gradient, before clipping or weight decay', yTitle: '‖g_t‖' }, logSteps);
}
