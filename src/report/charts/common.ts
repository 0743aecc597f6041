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
 * table.ts's terminal palette (cyan, magenta, yellow, green, blue, red, white) in colours that read
 * on white paper, so the k-th optimizer has the same colour in the terminal and in the report.
 */
const PALETTE_HEX = ['#0f9fb8', '#c2189b', '#c99a06', '#2e9e3e', '#2f5fd0', '#d62728', '#666666'];

function colorHex(k: number): string {
  return PALETTE_HEX[((k % PALETTE_HEX.length) + PALETTE_HEX.length) % PALETTE_HEX.length]!;
}

/**
 * A fixed colour scale (not Vega's alphabetical default): the series shown, each in the colour of its
 * position in `all` (every optimizer of the output, in order of appearance), so a chart of RAdam alone
 * still draws it in RAdam's colour.
 */
export function colorScale(shown: string[], all: string[] = shown): { domain: string[]; range: string[] } {
  return { domain: shown, range: shown.map((s) => colorHex(Math.max(0, all.indexOf(s)))) };
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

/** Trailing mean over the last `window` values (fewer at the start); NaN values are skipped. */
export function smooth(values: number[], window: number): number[] {
  if (window <= 1) return values.slice();
  return values.map((_, i) => {
    let sum = 0;
    let n = 0;
    for (let j = Math.max(0, i - window + 1); j <= i; j++) {
      if (Number.isFinite(values[j]!)) {
        sum += values[j]!;
        n++;
      }
    }
    return n > 0 ? sum / n : NaN;
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

/** Smooth each run's observations over x (in x order) before averaging; a no-op for window ≤ 1. */
export function smoothRuns(observations: Observation[], window: number): Observation[] {
  if (window <= 1) return observations;
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
    const ys = smooth(
      list.map((o) => o.y),
      window,
    );
    list.forEach((o, i) => out.push({ ...o, y: ys[i]! }));
  }
  return out;
}

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
  legend: { labelFontSize: 11, titleFontSize: 11 },
  title: { fontSize: 14, subtitleFontSize: 11, subtitleColor: '#666', anchor: 'start' as const },
};
