// `plot` checks its input: an output directory damaged in any way (a truncated, header-only or empty
// CSV, a dropped column, a cell radam-run would not write, a missing or malformed file) or not an
// output directory at all is exit 2 with one line naming the file (and line), nothing written; what
// the tool itself writes (a diverged run's Infinity update norm, empty cells) is not an error. And `plot`
// replaces only files it wrote: a report or chart of the user's is left alone.
import { before, test } from 'node:test';
import { createHash } from 'node:crypto';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../src/results/atomic.js';
import { repoRoot } from './helpers.js';
import { cli, divergedOutput, reproduceOutput, rosenbrockOutput, sweepOutput, tmp, treeHash, varianceOutput } from './plot-fixtures.js';

// DESIGN.md's output contract, written out here rather than imported from the writer
const CURVES_HEADER = 'run,optimizer,seed,step,split,loss,accuracy';
const TRACE_HEADER = 'run,optimizer,seed,step,lr,rho_t,r_t,adaptive,grad_norm,update_norm,alr_mean,alr_cv';

const fixtures: Record<'compare' | 'sweep' | 'variance' | 'reproduce', string> = { compare: '', sweep: '', variance: '', reproduce: '' };
let diverged: string;

before(() => {
  const dir = tmp();
  fixtures.compare = rosenbrockOutput(dir);
  fixtures.sweep = sweepOutput(dir);
  fixtures.variance = varianceOutput(dir);
  fixtures.reproduce = reproduceOutput(dir);
  diverged = divergedOutput(dir);
});

/** A fresh copy of a fixture, to damage. */
function copyOf(fixture: string): string {
  const dir = join(tmp(), 'out');
  cpSync(fixture, dir, { recursive: true });
  return dir;
}

/** The lines of a file (no quoting in the fixtures' CSVs, so a line is its cells joined by commas). */
const linesOf = (file: string): string[] => readFileSync(file, 'utf8').split('\n');

/** Rewrite the cells of 1-based line `n`. */
function editLine(file: string, n: number, edit: (cells: string[]) => string[]): void {
  const lines = linesOf(file);
  assert.ok(!lines[n - 1]!.includes('"'), `line ${n} of ${file} has no quoted cells`);
  lines[n - 1] = edit(lines[n - 1]!.split(',')).join(',');
  writeFileSync(file, lines.join('\n'));
}

function setCell(file: string, n: number, column: string, value: string): void {
  const index = linesOf(file)[0]!.split(',').indexOf(column);
  assert.ok(index >= 0, `${file} has a column ${column}`);
  editLine(file, n, (cells) => cells.map((c, i) => (i === index ? value : c)));
}

function dropColumn(file: string, column: string): void {
  const index = linesOf(file)[0]!.split(',').indexOf(column);
  writeFileSync(file, linesOf(file).map((l) => (l === '' ? l : l.split(',').filter((_, i) => i !== index).join(','))).join('\n'));
}

/** Rewrite a JSON file after `edit` changes it (as plain data). */
function editJson(file: string, edit: (json: Record<string, any>) => unknown): void {
  const json = JSON.parse(readFileSync(file, 'utf8'));
  edit(json);
  writeFileSync(file, JSON.stringify(json, null, 2) + '\n');
}

/** runs/<id> of the first run at optimizer `sgd`'s best point of a sweep (a run whose curves are charted). */
function bestRun(dir: string): string {
  const best = (JSON.parse(readFileSync(join(dir, 'sweep_summary.json'), 'utf8')) as { best: { optimizer: string; point: unknown }[] }).best;
  const sgd = best.find((b) => b.optimizer === 'sgd')!;
  const plan = JSON.parse(readFileSync(join(dir, 'sweep.json'), 'utf8')) as { runs: { id: string; optimizer: string; point: unknown }[] };
  const run = plan.runs.find((r) => r.optimizer === 'sgd' && JSON.stringify(r.point) === JSON.stringify(sgd.point))!;
  return join('runs', run.id);
}

/** Exit 2 and exactly one line on stderr: `radam-run: ` and the message; no stack trace. */
function assertRefused(r: { code: number; stderr: string }, message: string | RegExp): void {
  assert.equal(r.code, 2, r.stderr);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  assert.equal(r.stderr.split('\n').length, 2, `one line: ${r.stderr}`);
  if (typeof message === 'string') assert.equal(r.stderr, `radam-run: ${message}\n`);
  else assert.match(r.stderr.trimEnd(), message);
}

interface Damage {
  what: string;
  fixture: keyof typeof fixtures;
  damage(dir: string): void;
  message(dir: string): string | RegExp;
}

const DAMAGES: Damage[] = [
  {
    what: 'curves.csv cut off after the third cell of line 17',
    fixture: 'compare',
    damage: (d) => writeFileSync(join(d, 'curves.csv'), [...linesOf(join(d, 'curves.csv')).slice(0, 16), linesOf(join(d, 'curves.csv'))[16]!.split(',').slice(0, 3).join(',')].join('\n')),
    message: (d) => `${d}/curves.csv line 17: expected 7 fields (${CURVES_HEADER}), got 3 (truncated file?)`,
  },
  {
    // 150 rows (3 optimizers × 50 logged steps) under the header: the last row is line 151
    what: 'trace.csv cut off inside the last cell of its last row',
    fixture: 'compare',
    damage: (d) => {
      const text = readFileSync(join(d, 'trace.csv'), 'utf8');
      assert.ok(/[0-9]{3}\n$/.test(text), 'the last cell has at least three digits, so the cut falls inside it');
      writeFileSync(join(d, 'trace.csv'), text.slice(0, -3));
    },
    message: (d) => `${d}/trace.csv line 151: expected the row to end with a newline, got the end of the file (truncated file?)`,
  },
  {
    what: 'curves.csv with its header only',
    fixture: 'compare',
    damage: (d) => writeFileSync(join(d, 'curves.csv'), `${CURVES_HEADER}\n`),
    message: (d) => `${d}/curves.csv: expected a header row and at least one data row, got only the header`,
  },
  {
    what: 'an empty trace.csv',
    fixture: 'compare',
    damage: (d) => writeFileSync(join(d, 'trace.csv'), ''),
    message: (d) => `${d}/trace.csv: expected a header row and at least one data row, got an empty file`,
  },
  {
    what: 'trace.csv without its rho_t column',
    fixture: 'compare',
    damage: (d) => dropColumn(join(d, 'trace.csv'), 'rho_t'),
    message: (d) => `${d}/trace.csv: expected column rho_t, got ${TRACE_HEADER.replace(',rho_t', '')}`,
  },
  {
    what: 'a row with an eighth field',
    fixture: 'compare',
    damage: (d) => editLine(join(d, 'curves.csv'), 20, (cells) => [...cells, '1']),
    message: (d) => `${d}/curves.csv line 20: expected 7 fields (${CURVES_HEADER}), got 8`,
  },
  {
    what: 'a quote opened on a last line and never closed',
    fixture: 'compare',
    damage: (d) => writeFileSync(join(d, 'curves.csv'), readFileSync(join(d, 'curves.csv'), 'utf8') + '"radam-s0,radam,0,51,train,1,\n'),
    message: (d) => `${d}/curves.csv line 152: expected a closing quote, got the end of the file (truncated file?)`,
  },
  {
    what: 'a missing trace.csv',
    fixture: 'compare',
    damage: (d) => rmSync(join(d, 'trace.csv')),
    message: (d) => `${d}/trace.csv: expected a file (manifest.json lists it), got no such file`,
  },
  {
    what: 'a missing manifest.json',
    fixture: 'compare',
    damage: (d) => rmSync(join(d, 'manifest.json')),
    message: (d) => `${d}/manifest.json: expected the manifest written with curves.csv, got no such file`,
  },
  {
    what: 'a manifest.json cut short',
    fixture: 'compare',
    damage: (d) => writeFileSync(join(d, 'manifest.json'), readFileSync(join(d, 'manifest.json'), 'utf8').slice(0, 40)),
    message: (d) => new RegExp(`^radam-run: ${d}/manifest\\.json: expected JSON, got text that does not parse \\(.+\\)$`),
  },
  {
    what: 'a manifest.json whose optimizers are not a list',
    fixture: 'compare',
    damage: (d) => editJson(join(d, 'manifest.json'), (manifest) => (manifest.config.optimizers = 'sgd,adam')),
    message: (d) => `${d}/manifest.json: config.optimizers: expected array, got "sgd,adam"`,
  },
  {
    what: "a sweep's best point given as text",
    fixture: 'sweep',
    damage: (d) => editJson(join(d, 'sweep_summary.json'), (summary) => (summary.best[0].lr = '0.1')),
    message: (d) => `${d}/sweep_summary.json: best[0].lr: expected number, got "0.1"`,
  },
  {
    what: "a sweep run id that climbs out of runs/",
    fixture: 'sweep',
    damage: (d) => editJson(join(d, 'sweep.json'), (plan) => (plan.runs[0].id = '../../elsewhere')),
    message: (d) => `${d}/sweep.json: runs[0].id: expected a run id (letters, digits, - and _), got "../../elsewhere"`,
  },
  {
    what: "a best run's curves.csv with its header only",
    fixture: 'sweep',
    damage: (d) => writeFileSync(join(d, bestRun(d), 'curves.csv'), `${CURVES_HEADER}\n`),
    // the run store's completeness rule comes first: the file no longer matches what the run recorded,
    // 13 rows (60 steps logged every 5th and the first: steps 1, 5, 10, …, 60; no validation rows)
    message: (d) => `${d}/${bestRun(d)}: expected a complete run, got one where curves.csv has 0 rows, summary.json records 13`,
  },
  {
    what: "one changed value in a best run's curves.csv (a well-formed CSV, not the one the run wrote)",
    fixture: 'sweep',
    damage: (d) => setCell(join(d, bestRun(d), 'curves.csv'), 3, 'loss', '0.5'),
    message: (d) => `${d}/${bestRun(d)}: expected a complete run, got one where curves.csv does not match the checksum in summary.json`,
  },
  {
    what: 'a sweep without lr_robustness.csv',
    fixture: 'sweep',
    damage: (d) => rmSync(join(d, 'lr_robustness.csv')),
    message: (d) => `${d}/lr_robustness.csv: expected a file (a sweep writes sweep.json, lr_robustness.csv, sweep_summary.csv, sweep_summary.json), got no such file`,
  },
  {
    what: 'a sweep killed before it aggregated (sweep.json and runs/ only)',
    fixture: 'sweep',
    damage: (d) => ['lr_robustness.csv', 'sweep_summary.csv', 'sweep_summary.json', 'runs.csv'].forEach((f) => rmSync(join(d, f))),
    message: (d) =>
      `${d}/lr_robustness.csv: expected a file (a sweep writes sweep.json, lr_robustness.csv, sweep_summary.csv, sweep_summary.json), got no such file (an unfinished sweep? running it again into this directory finishes it)`,
  },
];

/** One cell replaced: [fixture, file, line, column, new text, what plot says after "FILE line N: "]. */
const BAD_CELLS: [keyof typeof fixtures, string, number, string, string, string][] = [
  ['compare', 'curves.csv', 5, 'loss', 'abc', 'expected a number in column loss, got "abc"'],
  // radam-run writes NaN as an empty cell (results/cells.ts num()); a NaN spelt out was written by someone else
  ['compare', 'curves.csv', 9, 'loss', 'NaN', 'expected a number in column loss, got "NaN" (radam-run writes NaN as an empty cell)'],
  // Number("0x10") is 16: the check is on the text, not on what Number() makes of it
  ['compare', 'trace.csv', 3, 'step', '0x10', 'expected an integer in column step, got "0x10"'],
  ['compare', 'trace.csv', 4, 'lr', '', 'expected a number in column lr, got an empty cell'],
  ['compare', 'curves.csv', 2, 'split', 'valid', 'expected one of train, val, test in column split, got "valid"'],
  ['variance', 'variance.csv', 7, 'var_sim', '1.2.3', 'expected a number in column var_sim, got "1.2.3"'],
  ['reproduce', 'claims.csv', 2, 'status', 'MAYBE', 'expected one of PASS, FAIL in column status, got "MAYBE"'],
];
for (const [fixture, file, line, column, text, said] of BAD_CELLS) {
  DAMAGES.push({
    what: `${JSON.stringify(text)} in column ${column} of ${file}`,
    fixture,
    damage: (d) => setCell(join(d, file), line, column, text),
    message: (d) => `${d}/${file} line ${line}: ${said}`,
  });
}

for (const c of DAMAGES) {
  test(`plot refuses ${c.what}: exit 2, one line naming the file, nothing written`, () => {
    const dir = copyOf(fixtures[c.fixture]);
    c.damage(dir);
    const before = treeHash(dir);
    assertRefused(cli(['plot', dir]), c.message(dir));
    assert.equal(existsSync(join(dir, 'report.html')), false);
    assert.equal(treeHash(dir), before, 'nothing in DIR changed');
  });
}

test('plot refuses a missing DIR, a DIR that is a file and a DIR that is not an output directory', () => {
  const root = tmp();
  assertRefused(cli(['plot', join(root, 'nope')]), `${root}/nope: expected an output directory of compare, sweep, reproduce or variance, got nothing at that path`);
  writeFileSync(join(root, 'a-file'), 'x\n');
  assertRefused(cli(['plot', join(root, 'a-file')]), `${root}/a-file: expected an output directory, got a file`);
  const foreign = join(root, 'notes');
  mkdirSync(foreign);
  writeFileSync(join(foreign, 'todo.txt'), 'buy milk\n');
  const before = treeHash(foreign);
  assertRefused(
    cli(['plot', foreign]),
    `${foreign}: expected the output of compare, sweep, reproduce or variance (curves.csv + trace.csv, sweep.json + lr_robustness.csv, claims.csv or variance.csv), got none of them`,
  );
  assert.equal(treeHash(foreign), before);
});

test("what radam-run itself writes is valid: a diverged run's Infinity update norm, 1e+39, empty accuracy, rho_t empty off RAdam rows", () => {
  const dir = copyOf(diverged);
  const curves = linesOf(join(dir, 'curves.csv'));
  const trace = linesOf(join(dir, 'trace.csv'));
  // the premises, so that this test cannot pass on an output without them
  assert.ok(trace.includes('sgd-s0,sgd,0,1,1e+39,,,0,1,Infinity,,'), 'the sgd run overflows at its first update');
  assert.ok(curves.includes('fast-s0,fast,0,9,train,32768,'), 'the fast run ends at step 9 with loss 0.5·4⁸ and an empty accuracy');
  assert.ok(trace.some((l) => /^fast-s0,fast,0,\d+,3,,,/.test(l)), 'sgd rows have empty rho_t and r_t');
  const r = cli(['plot', dir]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(readFileSync(join(dir, 'report.html'), 'utf8'), /<th>diverged_<wbr>at<\/th>/);
});

test("a failed sweep run's curves.csv may be a header only: that run crashed before its first logged step", () => {
  const dir = copyOf(fixtures.sweep);
  const run = join(dir, bestRun(dir));
  const curves = `${CURVES_HEADER}\n`;
  writeFileSync(join(run, 'curves.csv'), curves);
  // as the run store writes a failed run: its summary records the checksum of the header-only file
  const sha256 = createHash('sha256').update(curves).digest('hex');
  editJson(join(run, 'summary.json'), (summary) => Object.assign(summary, { status: 'failed', error: 'worker crashed', files: { ...summary.files, 'curves.csv': { rows: 0, sha256 } } }));
  const r = cli(['plot', dir]);
  assert.equal(r.code, 0, r.stderr);
});

// --out: only a new file or a report radam-run wrote is replaced; the same for the SVGs in plots/

test('plot --out onto an existing file radam-run did not write: exit 2, the file and its directory untouched', () => {
  const notes = join(tmp(), 'notes');
  mkdirSync(notes);
  const file = join(notes, 'report.html');
  writeFileSync(file, '<html><body>my own notes</body></html>\n');
  const before = treeHash(notes);
  assertRefused(cli(['plot', fixtures.compare, '--out', file]), `--out ${file}: expected a new file or a report written by radam-run, got an existing file it did not write`);
  assert.equal(treeHash(notes), before, 'no plots/ either');
});

test('plot without --out does not replace a DIR/report.html it did not write', () => {
  const dir = copyOf(fixtures.compare);
  writeFileSync(join(dir, 'report.html'), 'handwritten\n');
  const before = treeHash(dir);
  assertRefused(cli(['plot', dir]), `${dir}/report.html: expected a new file or a report written by radam-run, got an existing file it did not write`);
  assert.equal(treeHash(dir), before);
});

test('a report radam-run wrote earlier is replaced, and says which radam-run wrote it', () => {
  const file = join(tmp(), 'r.html');
  assert.equal(cli(['plot', fixtures.compare, '--out', file]).code, 0);
  const version = (JSON.parse(readFileSync(join(repoRoot(), 'package.json'), 'utf8')) as { version: string }).version;
  assert.match(readFileSync(file, 'utf8'), new RegExp(`<meta name="generator" content="radam-run ${version.replace(/\./g, '\\.')}">`));
  writeFileSync(file, readFileSync(file, 'utf8') + '<!-- edited since -->\n');
  const r = cli(['plot', fixtures.compare, '--out', file]);
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(readFileSync(file, 'utf8'), /edited since/);
});

test("plots/ beside --out: the user's own SVGs are never overwritten; other files there are left alone", () => {
  const notes = join(tmp(), 'notes');
  mkdirSync(join(notes, 'plots'), { recursive: true });
  writeFileSync(join(notes, 'plots', 'foo.svg'), '<svg xmlns="http://www.w3.org/2000/svg"><!-- mine --></svg>\n');
  // rho.svg is also the name of one of the charts of a compare
  writeFileSync(join(notes, 'plots', 'rho.svg'), '<svg xmlns="http://www.w3.org/2000/svg"><!-- my rho --></svg>\n');
  const before = treeHash(notes);
  const out = join(notes, 'report.html');
  assertRefused(cli(['plot', fixtures.compare, '--out', out]), `${notes}/plots/rho.svg: expected a new file or a chart written by radam-run, got an existing file it did not write`);
  assert.equal(treeHash(notes), before, 'no chart and no report written');

  rmSync(join(notes, 'plots', 'rho.svg'));
  const foo = readFileSync(join(notes, 'plots', 'foo.svg'), 'utf8');
  assert.equal(cli(['plot', fixtures.compare, '--out', out]).code, 0);
  assert.equal(readFileSync(join(notes, 'plots', 'foo.svg'), 'utf8'), foo);
  // and the charts written now carry the mark, so the next plot may replace them
  assert.match(readFileSync(join(notes, 'plots', 'rho.svg'), 'utf8'), /^<svg [^>]*><metadata>generator: radam-run /);
  assert.equal(cli(['plot', fixtures.compare, '--out', out]).code, 0);
});

test('plot --out that is a directory, or empty: exit 2', () => {
  const dir = tmp();
  const before = treeHash(dir);
  assertRefused(cli(['plot', fixtures.compare, '--out', dir]), `--out ${dir}: expected a file, got an existing directory`);
  assertRefused(cli(['plot', fixtures.compare, '--out', '']), '--out: expected a file path, got an empty string (an unset shell variable?)');
  assert.equal(treeHash(dir), before);
});

test('plot --out under a path that runs through a file: exit 2', () => {
  const dir = tmp();
  writeFileSync(join(dir, 'f'), 'x\n');
  assertRefused(cli(['plot', fixtures.compare, '--out', join(dir, 'f', 'r.html')]), `--out ${dir}/f/r.html: expected a file under a directory, got ${dir}/f, which is a file`);
});

test("a file system's refusal to write is one line too: a report name longer than a file name may be", () => {
  const out = join(tmp(), `${'r'.repeat(300)}.html`);
  assertRefused(cli(['plot', fixtures.compare, '--out', out]), `--out ${out}: expected a location radam-run can write to, got the name is too long, ENAMETOOLONG`);
});

test('writeFileAtomic removes its temporary file when the write fails', () => {
  const dir = tmp();
  // renaming a file onto a non-empty directory fails (EISDIR or ENOTEMPTY) after the temp file is written
  const target = join(dir, 'target');
  mkdirSync(target);
  writeFileSync(join(target, 'keep'), 'x');
  assert.throws(() => writeFileAtomic(target, 'report'));
  assert.deepEqual(readdirSync(dir), ['target']);
  assert.deepEqual(readdirSync(target), ['keep']);
});
