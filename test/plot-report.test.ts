// The report: report.html is self-contained (no URL at all), holds one inline <svg> per chart and the
// same charts as SVG files, shows the claims, tables and config; `plot` reports bad input as
// ConfigErrors with one-line messages.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../src/base/errors.js';
import { plotCommand } from '../src/cli/plot.js';
import { writeReport } from '../src/report/report.js';
import { reproduceOutput, rosenbrockOutput, sweepOutput, tmp, varianceOutput } from './plot-fixtures.js';

let rosenbrock: string;
let reproduce: string;
let sweep: string;
let variance: string;

before(() => {
  const dir = tmp();
  rosenbrock = rosenbrockOutput(dir);
  reproduce = reproduceOutput(dir);
  sweep = sweepOutput(dir);
  variance = varianceOutput(dir);
});

const svgCount = (html: string): number => (html.match(/<svg\b/g) ?? []).length;

test('report.html of a compare: no URLs, one inline <svg> per chart, SVG files in plots/', async () => {
  const { html, svgs } = await writeReport(rosenbrock);
  assert.equal(html, join(rosenbrock, 'report.html'));
  const page = readFileSync(html, 'utf8');
  assert.doesNotMatch(page, /https?:\/\//, 'report.html must not refer to the network');
  assert.doesNotMatch(page, /<script|<link|<img|<iframe|@import|url\(/i, 'no external resources of any kind');
  assert.deepEqual(svgs.map((f) => f.slice(join(rosenbrock, 'plots').length + 1)), ['train-loss.svg', 'effective-step.svg', 'update-norm.svg', 'grad-norm.svg', 'rho.svg', 'r.svg', 'alr-mean.svg', 'alr-cv.svg']);
  assert.equal(svgCount(page), svgs.length);
  assert.equal((page.match(/<figure\b/g) ?? []).length, svgs.length);
  for (const file of svgs) {
    // standalone SVG files keep their namespace so viewers open them
    assert.match(readFileSync(file, 'utf8'), /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  }
  // the summary table and the resolved config (every default filled in) are there
  assert.match(page, /<th>final_<wbr>train_<wbr>loss<\/th>/);
  assert.match(page, /rho_threshold: 5/);
  assert.match(page, /unrectified: skip/);
});

test('a reproduce directory shows the claims and their outcome', async () => {
  const { html } = await writeReport(reproduce);
  const page = readFileSync(html, 'utf8');
  assert.match(page, /<section id="claims">/);
  assert.match(page, /1 of 2 claims hold — 1 failed/);
  assert.match(page, /<tr class="pass"><td class="status">PASS<\/td><td>radam rectifies from step 6<\/td>/);
  assert.match(page, /<tr class="fail"><td class="status">FAIL<\/td><td>radam ends lower than sgd, by 5%<\/td>/);
  assert.doesNotMatch(page, /https?:\/\//);
  assert.equal(svgCount(page), 8);
});

test('a sweep report: robustness and best curves, the robustness table with diverged cells', async () => {
  const { html, svgs } = await writeReport(sweep);
  const page = readFileSync(html, 'utf8');
  assert.equal(svgs.length, 2);
  assert.equal(svgCount(page), 2);
  assert.match(page, /Learning-rate robustness \(lr_robustness\.csv\)/);
  assert.match(page, /<td>sgd<\/td><td class="num">1<\/td><td>diverged<\/td>/);
  assert.doesNotMatch(page, /https?:\/\//);
});

test('a variance directory: the variance figure', async () => {
  const { html, svgs } = await writeReport(variance);
  assert.deepEqual(svgs.map((f) => f.split('/').pop()), ['variance.svg', 'variance-r.svg']);
  const page = readFileSync(html, 'utf8');
  assert.doesNotMatch(page, /https?:\/\//);
  // the settings the command recorded in its manifest stand in for a config
  assert.match(page, /samples: 500/);
});

test('plot --out FILE writes the report there and the SVGs to plots/ beside it', async () => {
  const outDir = join(tmp(), 'elsewhere');
  const file = join(outDir, 'rosenbrock.html');
  const stderr = process.stderr.write;
  process.stderr.write = () => true;
  try {
    await plotCommand(rosenbrock, { out: file, logY: true, smooth: 0.9 });
  } finally {
    process.stderr.write = stderr;
  }
  assert.ok(existsSync(file));
  assert.deepEqual(readdirSync(join(outDir, 'plots')).sort(), ['alr-cv.svg', 'alr-mean.svg', 'effective-step.svg', 'grad-norm.svg', 'r.svg', 'rho.svg', 'train-loss.svg', 'update-norm.svg']);
});

function rejects(dir: string, flags: Parameters<typeof plotCommand>[1], pattern: RegExp): Promise<void> {
  return assert.rejects(plotCommand(dir, flags), (e: unknown) => {
    assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${String(e)}`);
    assert.ok(!e.message.includes('\n'), `one line: ${e.message}`);
    assert.match(e.message, pattern);
    return true;
  });
}

test('bad input: a missing directory, a directory without outputs, bad CSVs, unknown --metric', async () => {
  const missing = join(tmp(), 'nope');
  await rejects(missing, {}, /: expected an output directory of compare, sweep, reproduce or variance, got nothing at that path$/);
  const empty = tmp();
  writeFileSync(join(empty, 'notes.txt'), 'hello\n');
  await rejects(empty, {}, /: expected the output of compare, sweep, reproduce or variance .*, got none of them$/);
  const broken = tmp();
  writeFileSync(join(broken, 'curves.csv'), 'a,b\n1,2\n');
  writeFileSync(join(broken, 'trace.csv'), 'a,b\n1,2\n');
  await rejects(broken, {}, /manifest\.json: expected the manifest written with curves\.csv, got no such file$/);
  await rejects(rosenbrock, { metric: 'perplexity' as never }, /^--metric: expected loss or accuracy, got "perplexity"$/);
  const file = join(tmp(), 'a-file');
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, 'x');
  await rejects(file, {}, /: expected an output directory, got a file$/);
});
