// The paper's variance figure (Liu et al., ICLR 2020, §3–4) from variance.csv: the simulated
// Var[ψ_t] of the adaptive learning rate against its first-order approximation, over t on a log y
// axis, one pair of lines per β₂; and the rectification r_t against its simulated counterpart.
import type { TopLevelSpec } from 'vega-lite';
import { LOG_AXIS, LOG_STEP_AXIS, colorScale, frame, type Chart, wantsLog } from './common.js';
import type { VarianceFileRow } from '../../results/variance-file.js';

function beta2Label(b: number | null): string {
  return b === null ? 'β₂' : `β₂ = ${b}`;
}

function pairChart(rows: VarianceFileRow[], o: { name: string; title: string; subtitle: string[]; yTitle: string; logY: boolean; a: [string, (r: VarianceFileRow) => number]; b: [string, (r: VarianceFileRow) => number] }): Chart {
  const betas = [...new Set(rows.map((r) => beta2Label(r.beta2)))];
  const keep = (v: number): boolean => Number.isFinite(v) && (!o.logY || v > 0);
  const values = rows.flatMap((r) =>
    [o.a, o.b].flatMap(([quantity, pick]) => (keep(pick(r)) ? [{ beta2: beta2Label(r.beta2), t: r.t, quantity, value: pick(r) }] : [])),
  );
  const spec = {
    ...frame(o.title, o.subtitle),
    data: { values },
    mark: { type: 'line', strokeWidth: 1.6 },
    encoding: {
      // a log t axis when t spans two decades, so the small-t divergence is not squashed to the left
      x: { field: 't', type: 'quantitative', title: 't (step)', ...(wantsLog(rows.map((r) => r.t), undefined) ? LOG_STEP_AXIS : { scale: { zero: false } }) },
      y: { field: 'value', type: 'quantitative', title: o.yTitle, ...(o.logY ? LOG_AXIS : { scale: { zero: false } }) },
      color: { field: 'beta2', type: 'nominal', title: 'β₂', scale: colorScale(betas) },
      strokeDash: { field: 'quantity', type: 'nominal', title: null, scale: { domain: [o.a[0], o.b[0]], range: [[1, 0], [5, 3]] } },
      detail: { field: 'quantity' },
    },
  } as unknown as TopLevelSpec;
  return { name: o.name, title: o.title, spec };
}

/** Simulated Var[ψ_t] (solid) and its approximation (dashed) against t, log y, one pair per β₂. */
export function varianceChart(rows: VarianceFileRow[]): Chart {
  return pairChart(rows, {
    name: 'variance',
    title: 'Variance of the adaptive learning rate',
    subtitle: ['solid: Var[ψ_t] simulated; dashed: the approximation the rectification is built on', 'defined once ρ_t > 4'],
    yTitle: 'Var[ψ_t]',
    logY: true,
    a: ['simulated', (r) => r.varSim],
    b: ['approximation', (r) => r.varApprox],
  });
}

/** r_t from the closed form (dashed) against √(Var[ψ_∞]/Var[ψ_t]) simulated (solid). */
export function varianceRectChart(rows: VarianceFileRow[]): Chart {
  return pairChart(rows, {
    name: 'variance-r',
    title: 'Rectification term: closed form against simulation',
    subtitle: ['solid: √(Var[ψ_∞]/Var[ψ_t]) simulated; dashed: r_t of the paper (eq. 8)'],
    yTitle: 'r_t',
    logY: false,
    a: ['simulated', (r) => r.rSim],
    b: ['closed form', (r) => r.rT],
  });
}
