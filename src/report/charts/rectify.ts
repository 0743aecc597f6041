// RAdam's rectification as it happened: ρ_t with the threshold it is tested against (a horizontal
// rule) and r_t, both with a vertical rule at the first rectified step (the first step with
// adaptive = 1). Liu et al. (ICLR 2020) eq. 6–8; the threshold is the optimizer's rho_threshold.
import type { TopLevelSpec } from 'vega-lite';
import { LOG_AXIS, LOG_STEP_AXIS, colorScale, frame, meanBand, minOf, seriesChannels, type Chart, wantsLog } from './common.js';
import type { TraceRow } from '../../results/output-data.js';
import type { OptimizerInfo } from './optimizers.js';

/** One rule row per RAdam optimizer: where its threshold and its first rectified step sit. */
interface RectifyMark {
  series: string;
  threshold: number;
  first_rectified_step: number | null;
  label: string;
}

function radams(optimizers: OptimizerInfo[], trace: TraceRow[]): OptimizerInfo[] {
  return optimizers.filter((o) => o.kind === 'radam' && trace.some((t) => t.optimizer === o.name && Number.isFinite(t.rhoT)));
}

function rectifyMarks(optimizers: OptimizerInfo[], trace: TraceRow[]): RectifyMark[] {
  return radams(optimizers, trace).map((o) => ({
    series: o.name,
    threshold: o.rhoThreshold ?? 5,
    first_rectified_step: o.firstRectifiedStep,
    label: o.firstRectifiedStep === null ? `${o.name}: ρ_t > ${o.rhoThreshold ?? 5} never reached` : `${o.name}: ρ_t > ${o.rhoThreshold ?? 5} from step ${o.firstRectifiedStep}`,
  }));
}

/** One point of a trace line: a series (optimizer), a step, a value. */
export interface TraceLine {
  series: string;
  step: number;
  value: number;
}

/** The per-step lines of one trace column, mean over seeds (ρ_t and r_t do not depend on the seed). */
export function traceLines(trace: TraceRow[], names: string[], pick: (t: TraceRow) => number): TraceLine[] {
  const obs = trace.filter((t) => names.includes(t.optimizer)).map((t) => ({ series: t.optimizer, run: t.run, x: t.step, y: pick(t) }));
  return meanBand(obs).map((p) => ({ series: p.series, step: p.x, value: p.mean }));
}

/**
 * Lines of a quantity known to be exactly 0 up to some step z of each optimizer (r_t and lr·r_t before
 * RAdam's first rectified step f, z = f − 1; any step size during freeze_steps), with that known zero
 * at z added where step z was not logged. Without it a sparse trace (logged at 1, 10, 20…) draws 0 up
 * to step 10 while the first rectified step is 6; with it the line leaves zero where the marker says,
 * and linear interpolation joins it to the next logged step.
 */
export function withKnownZero(lines: TraceLine[], optimizers: OptimizerInfo[], lastZero: (o: OptimizerInfo) => number | null = rectifiedZero): TraceLine[] {
  const added: TraceLine[] = [];
  for (const o of optimizers) {
    const z = lastZero(o);
    if (z === null) continue;
    const steps = lines.filter((l) => l.series === o.name).map((l) => l.step);
    if (steps.length > 0 && !steps.includes(z) && minOf(steps) < z) added.push({ series: o.name, step: z, value: 0 });
  }
  if (added.length === 0) return lines;
  const all = [...lines, ...added];
  const order = [...new Set(all.map((l) => l.series))];
  return all.sort((a, b) => order.indexOf(a.series) - order.indexOf(b.series) || a.step - b.step);
}

/** RAdam's last step before rectification: r_t = 0 there. */
export function rectifiedZero(o: OptimizerInfo): number | null {
  return o.kind === 'radam' && o.firstRectifiedStep !== null ? o.firstRectifiedStep - 1 : null;
}

/** Steps on a log axis once they span two decades, so the first few steps (where ρ_t crosses the
 *  threshold) are not squashed against the y axis. */
export function stepAxis(lines: { step: number }[], logSteps: boolean | undefined): object {
  return { field: 'step', type: 'quantitative', title: 'step', ...(wantsLog(lines.map((l) => l.step), logSteps) ? LOG_STEP_AXIS : {}) };
}

function stepRules(marks: RectifyMark[], color: object): TopLevelSpec {
  return {
    data: { values: marks.filter((m) => m.first_rectified_step !== null) },
    mark: { type: 'rule', strokeDash: [2, 3], strokeWidth: 1.2 },
    encoding: { x: { field: 'first_rectified_step', type: 'quantitative' }, color },
  } as unknown as TopLevelSpec;
}

/** ρ_t per RAdam optimizer, its threshold and its first rectified step. Undefined without RAdam rows. */
export function rhoChart(trace: TraceRow[], optimizers: OptimizerInfo[], logSteps?: boolean): Chart | undefined {
  const marks = rectifyMarks(optimizers, trace);
  if (marks.length === 0) return undefined;
  const names = marks.map((m) => m.series);
  const all = optimizers;
  const lines = traceLines(trace, names, (t) => t.rhoT);
  const logY = wantsLog(lines.map((l) => l.value), undefined);
  const color = { field: 'series', type: 'nominal', title: 'optimizer', scale: colorScale(names, all) };
  const spec = {
    ...frame('RAdam: ρ_t, the length of the approximated SMA', ['ρ_t = ρ_∞ − 2tβ₂ᵗ/(1−β₂ᵗ); the rectified adaptive step applies when ρ_t > threshold', 'dashed: the threshold; dotted: the first rectified step']),
    layer: [
      {
        data: { values: lines },
        mark: { type: 'line', strokeWidth: 1.6 },
        encoding: {
          x: stepAxis(lines, logSteps),
          y: { field: 'value', type: 'quantitative', title: 'ρ_t', ...(logY ? LOG_AXIS : {}) },
          ...seriesChannels(names, all),
        },
      },
      { data: { values: marks }, mark: { type: 'rule', strokeDash: [6, 4], strokeWidth: 1.2 }, encoding: { y: { field: 'threshold', type: 'quantitative' }, color } },
      stepRules(marks, color),
      {
        data: { values: marks.filter((m) => m.first_rectified_step !== null) },
        mark: { type: 'text', align: 'left', baseline: 'bottom', dx: 4, dy: -4, fontSize: 11 },
        encoding: { x: { field: 'first_rectified_step', type: 'quantitative' }, y: { field: 'threshold', type: 'quantitative' }, text: { field: 'label' }, color },
      },
    ],
  } as unknown as TopLevelSpec;
  return { name: 'rho', title: 'RAdam ρ_t and the rectification threshold', spec };
}

/** r_t per RAdam optimizer (0 where the rectified update was not applied), first rectified step marked. */
export function rectChart(trace: TraceRow[], optimizers: OptimizerInfo[], logSteps?: boolean): Chart | undefined {
  const marks = rectifyMarks(optimizers, trace);
  if (marks.length === 0) return undefined;
  const names = marks.map((m) => m.series);
  const color = { field: 'series', type: 'nominal', title: 'optimizer', scale: colorScale(names, optimizers) };
  const lines = withKnownZero(traceLines(trace, names, (t) => t.rect), optimizers);
  const spec = {
    ...frame('RAdam: the rectification term r_t', ['r_t = √((ρ_t−4)(ρ_t−2)ρ_∞ / ((ρ_∞−4)(ρ_∞−2)ρ_t)), 0 where the rectified step was not applied', 'dotted: the first rectified step']),
    layer: [
      {
        data: { values: lines },
        // linear, as ρ_t: 'step-after' held each logged value until the next logged step
        mark: { type: 'line', strokeWidth: 1.6, interpolate: 'linear' },
        encoding: {
          x: stepAxis(lines, logSteps),
          y: { field: 'value', type: 'quantitative', title: 'r_t', scale: { domain: [0, 1] } },
          ...seriesChannels(names, optimizers),
        },
      },
      stepRules(marks, color),
    ],
  } as unknown as TopLevelSpec;
  return { name: 'r', title: 'RAdam r_t', spec };
}
