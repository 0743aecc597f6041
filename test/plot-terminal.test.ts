// The terminal chart: one glyph, colour and legend entry per optimizer; the y labels cover the data;
// log scale when the losses span decades; the requested size is kept.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import chalk from 'chalk';
import type { RunResult } from '../src/results/run-result.js';
import { colorFor } from '../src/report/table.js';
import { renderTerminalChart } from '../src/report/terminal-chart.js';

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

test('the y labels cover the data, on a log scale when it spans decades', () => {
  const text = strip(renderTerminalChart(results, { width: 80, height: 12 }));
  const lines = text.split('\n');
  const top = Number(lines[0]!.trim().split(/\s+/)[0]);
  const bottom = Number(lines[11]!.trim().split(/\s+/)[0]);
  const all = [...fast, ...slow, ...flat];
  // labels are printed to 5 significant digits: allow that rounding
  assert.ok(top >= Math.max(...all) * (1 - 1e-4), `top ${top}`);
  assert.ok(bottom <= Math.min(...all) * (1 + 1e-4), `bottom ${bottom}`);
  assert.match(lines.at(-1)!, /train loss \(log scale\)/);
  // on a log scale the middle label is the geometric mean of the ends
  const middle = Number(lines[Math.round(11 / 2)]!.trim().split(/\s+/)[0]);
  assert.ok(Math.abs(middle - Math.sqrt(top * bottom)) <= 1e-3 * middle, `middle ${middle}`);
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
  assert.match(lines[11]!, /step 1\s+100$/);
});

test('diverged (non-finite) losses are left out rather than stretching the axis', () => {
  const diverged = result('sgd', 0, [1, 0.5, Infinity, NaN]);
  const text = strip(renderTerminalChart([diverged, result('adam', 0, [1, 0.8, 0.6, 0.4])], { width: 50, height: 6 }));
  assert.equal(Number(text.split('\n')[0]!.trim().split(/\s+/)[0]), 1);
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
