// The adaptive learning rate ψ_t = √(1−β₂ᵗ)/(√v_t+ε) of the Adam family, summarised per step across
// coordinates (trace.csv alr_mean, alr_cv): the quantity whose early variance RAdam rectifies.
import { maxOf, meanBand, wantsLog, type Chart, type SeriesInfo } from './common.js';
import { bandChart } from './curves.js';
import type { TraceRow } from '../../results/output-data.js';

function alrChart(trace: TraceRow[], optimizers: SeriesInfo[], column: 'alrMean' | 'alrCv', o: { name: string; title: string; subtitle: string; yTitle: string; log: boolean; logSteps: boolean | undefined }): Chart | undefined {
  const obs = trace.filter((t) => Number.isFinite(t[column])).map((t) => ({ series: t.optimizer, run: t.run, x: t.step, y: t[column] }));
  if (obs.length === 0) return undefined;
  const points = meanBand(obs);
  const series = optimizers.map((o) => o.name).filter((name) => points.some((p) => p.series === name));
  const runs = maxOf(points.map((p) => p.runs));
  return bandChart(points, {
    name: o.name,
    title: o.title,
    subtitle: runs > 1 ? [o.subtitle, `mean over ${runs} seeds; band: min–max over seeds`] : [o.subtitle],
    xTitle: 'step',
    yTitle: o.yTitle,
    logY: o.log && wantsLog(points.map((p) => p.mean), undefined),
    // the early steps are where ψ_t varies: a log step axis once the steps span two decades
    logX: wantsLog(points.map((p) => p.x), o.logSteps),
    series,
    allSeries: optimizers,
  });
}

/** Mean over coordinates of ψ_t, per step, for the Adam-family rows. */
export function alrMeanChart(trace: TraceRow[], optimizers: SeriesInfo[], logSteps?: boolean): Chart | undefined {
  return alrChart(trace, optimizers, 'alrMean', {
    name: 'alr-mean',
    title: 'Adaptive learning rate: mean over coordinates',
    subtitle: 'ψ_t = √(1−β₂ᵗ)/(√v_t+ε), the per-coordinate factor of the Adam step',
    yTitle: 'mean ψ_t',
    log: true,
    logSteps,
  });
}

/** Coefficient of variation (std/mean) over coordinates of ψ_t: how unequal the per-coordinate steps are. */
export function alrCvChart(trace: TraceRow[], optimizers: SeriesInfo[], logSteps?: boolean): Chart | undefined {
  return alrChart(trace, optimizers, 'alrCv', {
    name: 'alr-cv',
    title: 'Adaptive learning rate: spread over coordinates',
    subtitle: 'coefficient of variation (std / mean) of ψ_t across coordinates',
    yTitle: 'CV of ψ_t',
    log: false,
    logSteps,
  });
}
