// Checking an experiment's claims against its results. Metrics come from the same per-run summaries
// the user sees (summary.json / runs/<id>/summary.json) and the sweep's lr robustness table.
// Missing values are pessimistic: a diverged run's loss counts as +∞, its accuracy as 0.
import { METRICS, type Claim, type Metric } from '../config/claims.js';
import { canonicalJson } from '../base/canonical-json.js';
import type { RobustnessRow } from '../results/aggregate.js';
import { formatLoss } from '../results/cells.js';
import type { ClaimResult } from '../results/claims.js';
import { welchGreater } from './stats.js';

/** One finished run as claims see it. */
export interface JudgedRun {
  optimizer: string;
  seed: number;
  lr: number;
  point: Record<string, unknown>;
  record: Record<string, unknown>;
}

export interface ClaimData {
  runs: JudgedRun[];
  /** Present for sweeps. */
  robustness?: RobustnessRow[];
  /** Sweeps: the best point per optimizer (used when a claim names no point). */
  bestPoint?: Map<string, Record<string, unknown>>;
}

/** What every result of a claim carries, whatever its outcome. */
type ClaimBase = Pick<ClaimResult, 'claim' | 'metric' | 'optimizer' | 'baseline' | 'comparison'>;

/** The values a claim judges for one optimizer: one per seed (or one for lr metrics, with no seeds). */
interface Judged {
  values: number[];
  seeds: number[];
}

function claimTitle(c: Claim): string {
  if (c.name) return c.name;
  if (c.better_than !== undefined) {
    const margins = [c.by !== 0 ? `${+(Math.abs(c.by) * 100).toFixed(2)}%` : '', c.by_abs !== 0 ? `${Math.abs(c.by_abs)}` : ''].filter(Boolean).join(' and ');
    // a negative margin is a tolerance (alone, the schema says): a non-inferiority claim; the comparison is strict
    if (c.by < 0 || c.by_abs < 0) return `${c.optimizer} ${c.metric} less than ${margins} worse than ${c.better_than}`;
    return `${c.optimizer} ${c.metric} better than ${c.better_than}${margins ? ` by ${margins}` : ''}`;
  }
  if (c.below !== undefined) return `${c.optimizer} ${c.metric} below ${c.below}`;
  if (c.above !== undefined) return `${c.optimizer} ${c.metric} above ${c.above}`;
  return `${c.optimizer} ${c.metric} equals ${String(c.equals)}`;
}

function runValue(metric: Metric, r: JudgedRun): number {
  const v = r.record[metric];
  if (metric === 'diverged') return v === true ? 1 : 0;
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  return METRICS[metric] === 'higher' ? 0 : Infinity;
}

function pointMatches(run: JudgedRun, point: Record<string, unknown>): boolean {
  return Object.entries(point).every(([k, v]) => (k === 'lr' && !(k in run.point) ? run.lr === v : canonicalJson(run.point[k]) === canonicalJson(v)));
}

/** The runs a claim judges for one optimizer, ordered by seed. */
function selectRuns(data: ClaimData, optimizer: string, point: Record<string, unknown> | undefined): JudgedRun[] {
  const chosen = point ?? data.bestPoint?.get(optimizer);
  // in a sweep without a best point for this optimizer (every point diverged or failed) there is
  // nothing to judge; pooling all points would compare arbitrary runs
  if (data.bestPoint && chosen === undefined) return [];
  return data.runs
    .filter((r) => r.optimizer === optimizer && (chosen === undefined || pointMatches(r, chosen)))
    .sort((a, b) => a.seed - b.seed);
}

function combine(values: number[], how: Claim['over_seeds']): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  switch (how) {
    case 'min':
      return sorted[0]!;
    case 'max':
      return sorted[sorted.length - 1]!;
    case 'median': {
      const mid = sorted.length >> 1;
      return sorted.length % 2 ? sorted[mid]! : 0.5 * (sorted[mid - 1]! + sorted[mid]!);
    }
    default:
      return values.reduce((a, b) => a + b, 0) / values.length;
  }
}

/** lr_robustness / lr_spread of one optimizer from the sweep's lr table. */
function lrMetric(metric: 'lr_robustness' | 'lr_spread', optimizer: string, rows: RobustnessRow[], within: number): number {
  const finite = rows.filter((r) => r.final_train_loss_mean !== null).map((r) => r.final_train_loss_mean!);
  const mine = rows.filter((r) => r.optimizer === optimizer);
  if (metric === 'lr_robustness') {
    const globalBest = Math.min(...finite);
    return mine.filter((r) => r.final_train_loss_mean !== null && r.final_train_loss_mean <= within * globalBest).length;
  }
  const losses = mine.map((r) => r.final_train_loss_mean ?? Infinity);
  return losses.length ? Math.max(...losses) / Math.min(...losses) : NaN;
}

/** The values claim `c` judges for `optimizer`, or why there are none. */
function valuesOf(c: Claim, data: ClaimData, optimizer: string): Judged | string {
  if (c.metric === 'lr_robustness' || c.metric === 'lr_spread') {
    if (!data.robustness) return `${c.metric} needs a sweep`;
    return { values: [lrMetric(c.metric, optimizer, data.robustness, c.within)], seeds: [] };
  }
  const runs = selectRuns(data, optimizer, c.point);
  if (runs.length === 0) return `no finished runs of "${optimizer}"${c.point ? ` at ${canonicalJson(c.point)}` : ''}`;
  if (c.metric !== 'diverged' && c.metric !== 'first_adaptive_step' && runs.every((r) => r.record[c.metric] === null || r.record[c.metric] === undefined) && runs.some((r) => r.record.diverged !== true)) {
    return `${c.metric} was not recorded for "${optimizer}" (does the experiment have validation/accuracy, or eval.test for test metrics?)`;
  }
  return { values: runs.map((r) => runValue(c.metric, r)), seeds: runs.map((r) => r.seed) };
}

function seedsText(judged: Judged): string {
  return judged.seeds.length ? ` over seeds [${judged.seeds.join(', ')}]` : '';
}

export function evaluateClaim(c: Claim, data: ClaimData): ClaimResult {
  const comparison = c.better_than !== undefined ? 'better_than' : c.below !== undefined ? 'below' : c.above !== undefined ? 'above' : 'equals';
  const base: ClaimBase = { claim: claimTitle(c), metric: c.metric, optimizer: c.optimizer, baseline: c.better_than ?? '', comparison };
  const fail = (detail: string): ClaimResult => ({ ...base, observed: NaN, baselineValue: undefined, expected: '', margin: NaN, status: 'FAIL', detail });
  const mine = valuesOf(c, data, c.optimizer);
  if (typeof mine === 'string') return fail(mine);
  if (comparison !== 'better_than') return thresholdClaim(c, base, mine);
  const theirs = valuesOf(c, data, c.better_than!);
  if (typeof theirs === 'string') return fail(theirs);
  if (c.over_seeds !== 'all') return pooledComparison(c, base, mine, theirs);
  return pairedComparison(c, base, mine, theirs) ?? fail('no seeds in common to pair');
}

/** How `better_than` is judged: the target a value must beat, and the margin by which it does. */
function betterThan(c: Claim): { higher: boolean; ops: string; target(b: number): number; marginOf(a: number, b: number): number } {
  const higher = METRICS[c.metric] === 'higher';
  // the baseline value the claim must beat: b(1 − by) − by_abs for lower-is-better, b(1 + by) + by_abs for higher
  const target = (b: number): number => (higher ? b * (1 + c.by) + c.by_abs : b * (1 - c.by) - c.by_abs);
  return { higher, ops: higher ? '>' : '<', target, marginOf: (a, b) => (higher ? a - target(b) : target(b) - a) };
}

/** better_than over every seed: each seed paired with the baseline's; the worst pair decides. Undefined: no seed in common. */
function pairedComparison(c: Claim, base: ClaimBase, mine: Judged, theirs: Judged): ClaimResult | undefined {
  const { ops, target, marginOf } = betterThan(c);
  const paired = mine.seeds.filter((s) => theirs.seeds.includes(s));
  if (paired.length === 0) return undefined;
  const margins = paired.map((s) => marginOf(mine.values[mine.seeds.indexOf(s)]!, theirs.values[theirs.seeds.indexOf(s)]!));
  const worst = Math.min(...margins);
  const k = margins.indexOf(worst);
  const s = paired[k]!;
  const a = mine.values[mine.seeds.indexOf(s)]!;
  const b = theirs.values[theirs.seeds.indexOf(s)]!;
  return {
    ...base,
    observed: a,
    baselineValue: b,
    expected: `${ops} ${formatLoss(target(b))} on every seed (worst: seed ${s}, ${c.better_than} ${formatLoss(b)})`,
    margin: worst,
    status: worst > 0 ? 'PASS' : 'FAIL',
    detail: `paired over seeds [${paired.join(', ')}]`,
  };
}

/** better_than on the seeds combined (mean, median, min or max), optionally with a Welch t-test. */
function pooledComparison(c: Claim, base: ClaimBase, mine: Judged, theirs: Judged): ClaimResult {
  const { higher, ops, target, marginOf } = betterThan(c);
  const a = combine(mine.values, c.over_seeds);
  const b = combine(theirs.values, c.over_seeds);
  const margin = marginOf(a, b);
  let status: 'PASS' | 'FAIL' = margin > 0 ? 'PASS' : 'FAIL';
  let detail = `${c.over_seeds}${seedsText(mine)}`;
  if (c.confidence !== undefined) {
    const targets = theirs.values.map(target);
    const w = higher ? welchGreater(mine.values, targets, c.confidence) : welchGreater(targets, mine.values, c.confidence);
    detail += `; Welch t = ${w.t.toFixed(3)} vs ${w.critical.toFixed(3)} needed (df ${w.df.toFixed(1)}, confidence ${c.confidence})`;
    if (!w.holds) status = 'FAIL';
  }
  return { ...base, observed: a, baselineValue: b, expected: `${ops} ${formatLoss(target(b))} (${c.better_than} ${formatLoss(b)})`, margin, status, detail };
}

/** below, above or equals: on every seed, or on the seeds combined (the fraction diverged for `diverged equals`). */
function thresholdClaim(c: Claim, base: ClaimBase, mine: Judged): ClaimResult {
  if (c.over_seeds === 'all') {
    const margins = mine.values.map((v) => singleMargin(c, v));
    const worst = Math.min(...margins);
    const observed = mine.values[margins.indexOf(worst)]!;
    return { ...base, observed, baselineValue: undefined, expected: expectedText(c) + ' on every seed', margin: worst, status: passes(c, worst) ? 'PASS' : 'FAIL', detail: `all${seedsText(mine)}` };
  }
  const fraction = c.metric === 'diverged' && c.equals !== undefined;
  const v = fraction ? combine(mine.values, 'mean') : combine(mine.values, c.over_seeds);
  const margin = singleMargin(c, v);
  return { ...base, observed: v, baselineValue: undefined, expected: expectedText(c), margin, status: passes(c, margin) ? 'PASS' : 'FAIL', detail: `${fraction ? 'fraction diverged' : c.over_seeds}${seedsText(mine)}` };
}

function equalsTarget(c: Claim): number {
  return typeof c.equals === 'boolean' ? (c.equals ? 1 : 0) : c.equals!;
}

/** > 0 holds for below/above; equals: 0 when equal (within 1e-12 relative), else −|difference|. */
function singleMargin(c: Claim, v: number): number {
  if (c.below !== undefined) return c.below - v;
  if (c.above !== undefined) return v - c.above;
  const e = equalsTarget(c);
  const diff = Math.abs(v - e);
  return diff <= 1e-12 * Math.max(1, Math.abs(e)) ? 0 : -diff;
}

function passes(c: Claim, margin: number): boolean {
  return c.equals !== undefined ? margin === 0 : margin > 0;
}

function expectedText(c: Claim): string {
  if (c.below !== undefined) return `< ${c.below}`;
  if (c.above !== undefined) return `> ${c.above}`;
  if (c.metric === 'diverged' && typeof c.equals === 'boolean') return c.equals ? 'every seed diverged (1)' : 'no seed diverged (0)';
  return `= ${String(c.equals)}`;
}
