// The terminal chart: one glyph, colour and legend entry per optimizer; the y labels cover the data;
// log scale when the losses span decades; the requested size is kept.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import chalk from 'chalk';
import type { RunResult } from '../src/results/run-result.js';
import { colorFor } from '../src/report/table.js';
import { renderTerminalChart } from '../src/report/terminal-chart.js';
import { emaSmooth } from '../src/report/charts/common.js';

/** A RunResult with just what the chart reads: the optimizer's name and the logged losses. */
function result(name: string, seed: number, losses: number[], every = 1): RunResult {
  return {
    spec: { run: `${name}-s${seed}`, seed, optimizer: { name } },
    steps: losses.map((loss, i) => ({ step: 1 + i * every, loss })),
    evals: [],
    summary: undefined,
    error: undefined,
  } as unknown as RunResult;
}

// geometric decay 10 → 10·0.9⁹⁹ ≈ 3e-4 (more than four decades) and a slower one
const fast = Array.from({ length: 100 }, (_, i) => 10 * 0.9 ** i);
const slow = Array.from({ length: 100 }, (_, i) => 5 * 0.99 ** i);
const flat = Array.from({ length: 100 }, (_, i) => 2 + 0.01 * Math.sin(i));
const results = [result('sgd', 0, slow), result('adam', 0, fast), result('radam', 0, flat), result('radam', 1, flat)];

const strip = (text: string): string => text.replace(/\x1b\[[0-9;]*m/g, '');

let level: typeof chalk.level;
before(() => {
  level = chalk.level;
  chalk.level = 1;
});
after(() => {
  chalk.level = level;
});

test('one legend entry, glyph and colour per optimizer, in order of appearance', () => {
  const text = renderTerminalChart(results, { width: 80, height: 12 });
  const legend = text.split('\n').at(-1)!;
  // radam has two seeds but one entry
  assert.equal((strip(legend).match(/[*o+] (sgd|adam|radam)/g) ?? []).length, 3);
  assert.ok(legend.includes(colorFor(0)('* sgd')));
  assert.ok(legend.includes(colorFor(1)('o adam')));
  assert.ok(legend.includes(colorFor(2)('+ radam')));
  // each optimizer's glyph is drawn in the plot area in its colour
  const plot = text.split('\n').slice(0, 12).join('\n');
  for (const [k, glyph] of ['*', 'o', '+'].entries()) assert.ok(plot.includes(colorFor(k)(glyph)), `glyph ${glyph}`);
});

/** The y tick labels of a stripped chart: row and value. */
function yTicks(lines: string[], height: number): { row: number; value: number }[] {
  return lines.slice(0, height).flatMap((l, row) => (l.includes('┤') ? [{ row, value: Number(l.slice(0, l.indexOf('┤')).trim()) }] : []));
}

test('y ticks are round values placed at their height: whole decades on a log scale', () => {
  const lines = strip(renderTerminalChart(results, { width: 80, height: 12, smoothing: 0 })).split('\n');
  assert.match(lines.at(-1)!, /train loss \(log scale\)/);
  const ticks = yTicks(lines, 12);
  const all = [...fast, ...slow, ...flat];
  // the data span 3e-4 … 10: the decades 1e-3 … 10 inside it, each a power of ten, top to bottom
  assert.deepEqual(ticks.map((t) => t.value), [10, 1, 0.1, 0.01, 0.001]);
  // rows are linear in log10(loss): row = (log10(max) − log10(v)) / (log10(max) − log10(min)) · 11
  const [hi, lo] = [Math.log10(Math.max(...all)), Math.log10(Math.min(...all))];
  for (const t of ticks) assert.equal(t.row, Math.round(((hi - Math.log10(t.value)) / (hi - lo)) * 11), `tick ${t.value}`);
});

test('y ticks on a linear axis are 1, 2 or 5 × 10ᵏ apart and the x axis has round step ticks under ┬ marks', () => {
  const narrow = [result('sgd', 0, slow.slice(0, 30)), result('adam', 0, flat)];
  const lines = strip(renderTerminalChart(narrow, { width: 60, height: 8, smoothing: 0 })).split('\n');
  const values = yTicks(lines, 8).map((t) => t.value);
  assert.ok(values.length >= 2);
  const gap = values[0]! - values[1]!;
  const mantissa = Number((gap / 10 ** Math.floor(Math.log10(gap))).toPrecision(6));
  assert.ok([1, 2, 5].includes(mantissa), `gap ${gap}`);
  for (let i = 1; i < values.length; i++) assert.ok(Math.abs(values[i - 1]! - values[i]! - gap) < 1e-9 * Math.abs(gap) + 1e-12);
  // steps 1 … 100: ticks at multiples of a round step, each label centred under a ┬
  const axis = lines[8]!;
  const labels = lines[9]!;
  const marks = [...axis].flatMap((ch, i) => (ch === '┬' ? [i] : []));
  const steps = [...labels.matchAll(/\d+/g)].map((m) => ({ step: Number(m[0]), centre: m.index + Math.floor(m[0].length / 2) }));
  assert.ok(steps.length >= 2);
  for (const s of steps) assert.ok(marks.some((m) => Math.abs(m - s.centre) <= 1), `label ${s.step} under a tick`);
  assert.ok(steps.every((s) => s.step % (steps[1]!.step - steps[0]!.step) === 0));
});

test('smoothing is TensorBoard\'s debiased EMA (the one the SVG charts use)', () => {
  // w = 0.5: s₁ = x₁ (debiased), s₂ = (0.25·x₁ + 0.5·x₂)/(1 − 0.25), s₃ = (0.125·x₁ + 0.25·x₂ + 0.5·x₃)/(1 − 0.125)
  const s = emaSmooth([4, 2, 1], 0.5);
  assert.deepEqual(s, [4, (0.25 * 4 + 0.5 * 2) / 0.75, (0.125 * 4 + 0.25 * 2 + 0.5 * 1) / 0.875]);
  assert.deepEqual(emaSmooth([4, 2, 1], 0), [4, 2, 1]);
});

test('curves that coincide all stay visible: their glyphs alternate instead of the last covering the others', () => {
  const same = [result('sgd', 0, slow), result('adam', 0, slow), result('radam', 0, slow)];
  const plot = renderTerminalChart(same, { width: 70, height: 10 }).split('\n').slice(0, 10).join('\n');
  for (const [k, glyph] of ['*', 'o', '+'].entries()) assert.ok(plot.includes(colorFor(k)(glyph)), `${glyph} visible`);
});

test('the chart says it is smoothed, and smoothing 0 draws the raw curve', () => {
  assert.match(strip(renderTerminalChart(results, { width: 80, height: 12 })), /smoothed \(EMA 0\.6\)/);
  assert.doesNotMatch(strip(renderTerminalChart(results, { width: 80, height: 12, smoothing: 0 })), /smoothed/);
});

test('a narrow range stays linear; logY forces log', () => {
  const narrow = [result('sgd', 0, slow.slice(0, 30)), result('adam', 0, flat)];
  assert.doesNotMatch(renderTerminalChart(narrow, { width: 60, height: 8 }), /log scale/);
  assert.match(renderTerminalChart(narrow, { width: 60, height: 8, logY: true }), /log scale/);
});

test('the plot area has the requested height and the lines the requested width', () => {
  const text = strip(renderTerminalChart(results, { width: 70, height: 10 }));
  const lines = text.split('\n');
  // height rows of plot, the axis, the step labels, the legend
  assert.equal(lines.length, 10 + 3);
  for (const line of lines.slice(0, 12)) assert.equal([...line].length, 70, JSON.stringify(line));
  assert.match(lines[11]!, /^\s+\d+(\s+\d+)*\s+100$/);
});

test('diverged (non-finite) losses are left out rather than stretching the axis', () => {
  const diverged = result('sgd', 0, [1, 0.5, Infinity, NaN]);
  const text = strip(renderTerminalChart([diverged, result('adam', 0, [1, 0.8, 0.6, 0.4])], { width: 50, height: 6, smoothing: 0 }));
  // the top tick is the largest finite loss, 1, in the top row
  assert.equal(Number(text.split('\n')[0]!.split('┤')[0]!.trim()), 1);
});

test('an optimizer whose every logged loss is non-finite (diverged at once) keeps its legend entry and draws nothing', () => {
  const text = renderTerminalChart([result('sgd', 0, [NaN, Infinity]), result('adam', 0, slow)], { width: 80, height: 12 });
  const legend = strip(text.split('\n').at(-1)!);
  // the legend names both; sgd has no last loss to show
  assert.match(legend, /\* sgd {3}o adam \d/);
  const plot = text.split('\n').slice(0, 12).join('\n');
  assert.ok(!plot.includes(colorFor(0)('*')), 'no sgd glyph in the plot area');
  assert.ok(plot.includes(colorFor(1)('o')), 'adam is drawn');
});
