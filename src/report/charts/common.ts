// What every chart shares: the optimizer palette (the terminal's colorFor order, as hex), the choice
// of a log axis, trailing smoothing, and mean ± band over seeds.
import type { TopLevelSpec } from 'vega-lite';

/** A chart of the report: a file-safe name, a heading, and its Vega-Lite spec (data inline). */
export interface Chart {
  name: string;
  title: string;
  spec: TopLevelSpec;
}

/**
 * table.ts's terminal PALETTE (cyan, magenta, yellow, green, blue, red, white, redBright,
 * magentaBright, greenBright) in colours that read on white paper, in the same order, so the k-th
 * optimizer has the same colour in the terminal and in the report. Ten, so that an experiment of up
 * to ten optimizers never repeats a colour (white reads as dark grey on paper; the bright variants as
 * orange, violet and olive, the hues a terminal's bright red, magenta and green lean to).
 */
export const PALETTE_HEX = ['#0f9fb8', '#c2189b', '#c99a06', '#2e9e3e', '#2f5fd0', '#d62728', '#666666', '#e8710a', '#7b4fc9', '#7a9a01'];

function colorHex(k: number): string {
  return PALETTE_HEX[((k % PALETTE_HEX.length) + PALETTE_HEX.length) % PALETTE_HEX.length]!;
}

/** Optimizer families, told apart by the dash of their lines on every chart (colour tells runs apart). */
export type Family = 'sgd' | 'adam' | 'radam' | 'other';

/**
 * The family of an optimizer kind (adam and adamw are Adam-like), or, where only a name is known (a
 * test's rows, a sweep's best point), of that name: "radam5" is RAdam-like, "adam-2k" Adam-like.
 */
export function familyOf(kindOrName: string): Family {
  const k = kindOrName.toLowerCase();
  return k.includes('radam') ? 'radam' : k.includes('adam') ? 'adam' : k.includes('sgd') ? 'sgd' : 'other';
}

/** SVG dash arrays: RAdam solid (the subject of the comparison), Adam-like long dashes, SGD dots. */
export const FAMILY_DASH: Record<Family, number[]> = { radam: [1, 0], adam: [7, 3], sgd: [2, 2], other: [8, 3, 2, 3] };

/** A series of the charts: its label and the optimizer kind it was run with. */
export interface SeriesInfo {
  name: string;
  kind: string;
}

/** Names alone stand for series whose kind is read off the name (familyOf). */
export type SeriesList = readonly (string | SeriesInfo)[];

function info(s: string | SeriesInfo): SeriesInfo {
  return typeof s === 'string' ? { name: s, kind: s } : s;
}

/**
 * A fixed colour scale (not Vega's alphabetical default): the series shown, each in the colour of its
 * position in `all` (every optimizer of the output, in order of appearance), so a chart of RAdam alone
 * still draws it in RAdam's colour.
 */
export function colorScale(shown: string[], all: SeriesList = shown): { domain: string[]; range: string[] } {
  const names = all.map((s) => info(s).name);
  return { domain: shown, range: shown.map((s) => colorHex(Math.max(0, names.indexOf(s)))) };
}

/** The dash of each series shown, from its family. */
export function dashScale(shown: string[], all: SeriesList = shown): { domain: string[]; range: number[][] } {
  const kinds = new Map(all.map((s) => [info(s).name, info(s).kind]));
  return { domain: shown, range: shown.map((s) => FAMILY_DASH[familyOf(kinds.get(s) ?? s)]) };
}

/**
 * The colour and dash channels of optimizer lines, over one field. Both on the same field with the
 * same title, so Vega-Lite merges them into one legend whose symbols show colour and dash together.
 */
export function seriesChannels(shown: string[], all: SeriesList = shown, field = 'series', title = 'optimizer'): { color: object; strokeDash: object } {
  const legend = { symbolType: 'stroke', symbolStrokeWidth: 2, symbolSize: 300 };
  return {
    color: { field, type: 'nominal', title, scale: colorScale(shown, all), legend },
    strokeDash: { field, type: 'nominal', title, scale: dashScale(shown, all), legend },
  };
}

/** The largest of `xs` (−∞ for none). Math.max(...xs) overflows the call stack on a long run's steps. */
export function maxOf(xs: number[]): number {
  let max = -Infinity;
  for (const x of xs) if (x > max) max = x;
  return max;
}

/** The smallest of `xs` (+∞ for none). */
export function minOf(xs: number[]): number {
  let min = Infinity;
  for (const x of xs) if (x < min) min = x;
  return min;
}

/** Log scale when forced, or when every value is positive and they span at least two decades. */
export function wantsLog(values: number[], force: boolean | undefined): boolean {
  const finite = values.filter((v) => Number.isFinite(v));
  if (force !== undefined) return force;
  if (finite.length === 0 || finite.some((v) => v <= 0)) return false;
  return maxOf(finite) / minOf(finite) >= 100;
}

/**
 * TensorBoard's default smoothing weight for scalars (METRICS_SETTINGS_DEFAULT.scalarSmoothing = 0.6 in
 * tensorboard/webapp/metrics/store/metrics_types.ts), so curves here look as they do there.
 */
export const DEFAULT_SMOOTHING = 0.6;

/**
 * TensorBoard's debiased exponential moving average (classicSmoothing, tensorboard/webapp/widgets/
 * line_chart_v2/data_transformer.ts): s_t = w·s_{t−1} + (1−w)·x_t from s_0 = 0, shown as s_t/(1−wⁿ)
 * with n the finite values so far, which removes the pull toward the zero start. As there, a
 * non-finite value (a diverged loss) is passed through and skipped, and a constant series is returned
 * as it is (1 − wⁿ rounding would wobble it). Weight 0 returns the values unchanged.
 */
export function emaSmooth(values: number[], weight: number): number[] {
  if (weight <= 0 || values.every((v) => v === values[0])) return values.slice();
  let last = 0;
  let n = 0;
  return values.map((x) => {
    if (!Number.isFinite(x)) return x;
    last = last * weight + (1 - weight) * x;
    n++;
    return last / (1 - weight ** n);
  });
}

/** One observation of one run: the series it belongs to (an optimizer), its run, x and y. */
export interface Observation {
  series: string;
  run: string;
  x: number;
  y: number;
}

/** Mean over the runs of a series at one x, with the band lo..hi = min..max over those runs. */
export interface BandPoint {
  series: string;
  x: number;
  mean: number;
  lo: number;
  hi: number;
  runs: number;
}

/**
 * Mean and min–max band over runs, per series and x. Non-finite values (a diverged run) are left out;
 * the band is the range rather than ± std so it stays positive on a log axis.
 */
export function meanBand(observations: Observation[], keepY: (y: number) => boolean = Number.isFinite): BandPoint[] {
  const groups = new Map<string, Map<number, number[]>>();
  for (const o of observations) {
    if (!keepY(o.y)) continue;
    let byX = groups.get(o.series);
    if (!byX) groups.set(o.series, (byX = new Map()));
    const ys = byX.get(o.x);
    if (ys) ys.push(o.y);
    else byX.set(o.x, [o.y]);
  }
  const out: BandPoint[] = [];
  for (const [series, byX] of groups) {
    for (const x of [...byX.keys()].sort((a, b) => a - b)) {
      const ys = byX.get(x)!;
      out.push({ series, x, mean: ys.reduce((a, b) => a + b, 0) / ys.length, lo: Math.min(...ys), hi: Math.max(...ys), runs: ys.length });
    }
  }
  return out;
}

/** Smooth each run's observations over x (in x order) with emaSmooth before averaging; a no-op for weight 0. */
export function smoothRuns(observations: Observation[], weight: number): Observation[] {
  if (weight <= 0) return observations;
  const byRun = new Map<string, Observation[]>();
  for (const o of observations) {
    const key = `${o.series}\u0000${o.run}`;
    const list = byRun.get(key);
    if (list) list.push(o);
    else byRun.set(key, [o]);
  }
  const out: Observation[] = [];
  for (const list of byRun.values()) {
    list.sort((a, b) => a.x - b.x);
    const ys = emaSmooth(
      list.map((o) => o.y),
      weight,
    );
    list.forEach((o, i) => out.push({ ...o, y: ys[i]! }));
  }
  return out;
}

/** Seed bands stay readable up to this many series; beyond it the charts draw the mean lines alone. */
export const MAX_BANDED_SERIES = 4;

/** A log scale whose tick labels read 0.001 … 1e+35 (Vega's default writes 10,000,000,000). */
export const LOG_AXIS = { scale: { type: 'log' as const }, axis: { format: '~g' } };
/** The same for an x axis of steps: ending at the last step, not rounded up to the next decade. */
export const LOG_STEP_AXIS = { scale: { type: 'log' as const, nice: false }, axis: { format: '~g' } };

/** Common size and look: every chart the same width so the report reads as one column. */
/** The part every chart shares: its title and subtitle, size and look. */
export function frame(text: string, subtitle: string | string[]): { title: { text: string; subtitle: string | string[] }; width: number; height: number; config: typeof CONFIG } {
  return { title: { text, subtitle }, width: WIDTH, height: HEIGHT, config: CONFIG };
}

const WIDTH = 560;
const HEIGHT = 260;
export const CONFIG = {
  font: 'system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif',
  view: { stroke: '#ddd' },
  axis: { labelFontSize: 11, titleFontSize: 12, gridColor: '#eee' },
  legend: { labelFontSize: 11, titleFontSize: 11, labelLimit: 320 },
  title: { fontSize: 14, subtitleFontSize: 11, subtitleColor: '#666', anchor: 'start' as const },
};
