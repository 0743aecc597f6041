// Series styles across the report and the terminal: ten distinct colours in the same order in both
// (so the 8th optimizer no longer repeats the 1st), and one dash pattern per optimizer family (SGD,
// Adam-like, RAdam-like) on every chart that draws optimizer lines.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import chalk from 'chalk';
import { buildCharts } from '../src/report/charts/index.js';
import { curvesChart } from '../src/report/charts/curves.js';
import { FAMILY_DASH, PALETTE_HEX } from '../src/report/charts/common.js';
import { renderSvg } from '../src/report/report.js';
import { colorFor, PALETTE_SIZE } from '../src/report/table.js';
import { readOutputDir } from '../src/results/output-data.js';
import { rosenbrockOutput, tmp } from './plot-fixtures.js';

type Json = Record<string, any>;

let rosenbrock: string;
let level: typeof chalk.level;
before(() => {
  rosenbrock = rosenbrockOutput(tmp());
  level = chalk.level;
  chalk.level = 1; // 16 colours: each palette entry is one SGR code
});
after(() => {
  chalk.level = level;
});

/** Hue in degrees and saturation (HSL) of #rrggbb. */
function hueSat(hex: string): { hue: number; sat: number } {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255) as [number, number, number];
  const max = Math.max(r, g, b);
  const min = Math.min(r, g, b);
  const d = max - min;
  const l = (max + min) / 2;
  const sat = d === 0 ? 0 : d / (1 - Math.abs(2 * l - 1));
  if (d === 0) return { hue: 0, sat };
  const h = max === r ? ((g - b) / d) % 6 : max === g ? (b - r) / d + 2 : (r - g) / d + 4;
  return { hue: (h * 60 + 360) % 360, sat };
}

/**
 * The hue range (degrees) each 16-colour SGR code stands for, from the xterm/VGA colour definitions
 * (red 0°, yellow 60°, green 120°, cyan 180°, blue 240°, magenta 300°); white is achromatic. The
 * bright variants as terminals tend to render them: bright red toward orange, bright magenta toward
 * violet, bright green toward lime. A paper colour must sit in its terminal colour's range.
 */
const HUES: Record<number, [number, number] | 'grey'> = {
  31: [345, 15],
  32: [90, 160],
  33: [35, 65],
  34: [200, 250],
  35: [290, 340],
  36: [170, 200],
  37: 'grey',
  91: [15, 40],
  92: [60, 90],
  95: [250, 290],
};

test('ten distinct colours in the terminal and on paper, the k-th of each the same hue', () => {
  assert.ok(PALETTE_SIZE >= 10 && PALETTE_HEX.length === PALETTE_SIZE, `${PALETTE_SIZE} terminal, ${PALETTE_HEX.length} paper colours`);
  const codes = Array.from({ length: PALETTE_SIZE }, (_, k) => Number(/^\x1b\[(\d+)m/.exec(colorFor(k)('x'))![1]));
  assert.equal(new Set(codes).size, PALETTE_SIZE, `terminal codes ${codes.join(',')}`);
  assert.equal(new Set(PALETTE_HEX).size, PALETTE_HEX.length);
  // the palette wraps only after all of it
  assert.equal(colorFor(PALETTE_SIZE)('x'), colorFor(0)('x'));
  codes.forEach((code, k) => {
    const range = HUES[code];
    assert.ok(range, `unexpected terminal code ${code}`);
    const { hue, sat } = hueSat(PALETTE_HEX[k]!);
    if (range === 'grey') assert.ok(sat < 0.05, `${PALETTE_HEX[k]} (for code ${code}) should be grey`);
    else {
      const [lo, hi] = range;
      const inside = lo <= hi ? hue >= lo && hue <= hi : hue >= lo || hue <= hi;
      assert.ok(inside && sat > 0.4, `${PALETTE_HEX[k]} hue ${hue.toFixed(0)}° for terminal code ${code} (expected ${lo}–${hi}°)`);
    }
  });
});

test('an experiment of ten optimizers draws ten different colours', async () => {
  const names = Array.from({ length: 10 }, (_, k) => `opt${k}`);
  const rows = names.flatMap((optimizer, k) => [1, 2, 3].map((step) => ({ run: `${optimizer}-s0`, optimizer, seed: 0, step, split: 'train', loss: k + 1 / step, accuracy: NaN })));
  const svg = await renderSvg(curvesChart(rows, 'train', names, { smooth: 0 }).spec);
  // the line marks' strokes (paths inside line mark containers)
  const lines = svg.split('aria-roledescription="line mark container"').slice(1);
  assert.equal(lines.length, 10);
  const strokes = lines.map((l) => /<path[^>]*stroke="(#[0-9a-f]{6})"/.exec(l)![1]);
  assert.equal(new Set(strokes).size, 10, strokes.join(' '));
});

test('each optimizer family has its own dash, the same on every chart; RAdam solid', async () => {
  const charts = buildCharts(readOutputDir(rosenbrock));
  const expected: Record<string, number[]> = { sgd: [2, 2], adam: [7, 3], radam: [1, 0] };
  assert.deepEqual(FAMILY_DASH.sgd, expected.sgd);
  // three distinct patterns
  assert.equal(new Set(Object.values(FAMILY_DASH).map((d) => d.join(','))).size, Object.keys(FAMILY_DASH).length);
  let checked = 0;
  for (const chart of charts) {
    const spec = chart.spec as Json;
    for (const layer of (spec.layer as Json[]) ?? []) {
      const dash = layer.encoding?.strokeDash;
      if (!dash || dash.field !== 'series') continue;
      dash.scale.domain.forEach((series: string, i: number) => assert.deepEqual(dash.scale.range[i], expected[series], `${chart.name}: ${series}`));
      checked++;
    }
  }
  assert.ok(checked >= 5, `dash encodings found on ${checked} layers`);
  // and Vega draws them: the train-loss SVG has a dashed adam line and a dashed sgd line
  const svg = await renderSvg(charts.find((c) => c.name === 'train-loss')!.spec);
  assert.match(svg, /stroke-dasharray="7,3"/);
  assert.match(svg, /stroke-dasharray="2,2"/);
});
