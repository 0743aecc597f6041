// The README keeps up with the program: its contents line links every section, its command table names
// every option the commander program has, and the worked example's commands run as written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot, spawnCli } from './helpers.js';
import { buildProgram } from '../src/cli/main.js';

const readme = (): string => readFileSync(join(repoRoot(), 'README.md'), 'utf8');

/** The README's lines outside fenced code blocks (where `#` starts a shell comment, not a heading). */
function prose(): string[] {
  let fenced = false;
  return readme().split('\n').filter((line) => {
    if (line.startsWith('```')) fenced = !fenced;
    return !fenced && !line.startsWith('```');
  });
}

/** GitHub's anchor for a heading: lower case, punctuation other than `-` and `_` dropped, spaces to `-`. */
const slug = (heading: string): string => heading.trim().toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, '').replace(/ /g, '-');

test('the contents line links every top-level section, and every link in it reaches a heading', () => {
  const lines = prose();
  const sections = lines.filter((l) => l.startsWith('## ')).map((l) => slug(l.slice(3)));
  const anchors = new Set(lines.filter((l) => /^#{1,6} /.test(l)).map((l) => slug(l.replace(/^#+ /, ''))));
  const start = lines.findIndex((l) => l.startsWith('**Contents:**'));
  assert.ok(start >= 0, 'a contents line');
  const contents = lines.slice(start, lines.indexOf('', start)).join(' ');
  const links = [...contents.matchAll(/\]\(#([^)]+)\)/g)].map((m) => m[1]!);
  assert.deepEqual(links.filter((l) => !anchors.has(l)), [], 'links to no heading');
  assert.deepEqual(sections.filter((s) => !links.includes(s)), [], 'sections missing from the contents');
});

test('the command table names every command and every option of it; the program options are named beside it', () => {
  const text = readme();
  const table = text.slice(text.indexOf('## Commands'), text.indexOf('\n## ', text.indexOf('## Commands') + 1));
  const program = buildProgram();
  for (const command of program.commands) {
    const row = table.split('\n').find((l) => l.startsWith(`| \`radam-run ${command.name()} `) || l.startsWith(`| \`radam-run ${command.name()}\``));
    assert.ok(row, `a row for ${command.name()}`);
    for (const option of command.options) {
      for (const flag of [option.long, option.short].filter((f): f is string => Boolean(f))) {
        assert.match(row, new RegExp(`(^|[\\[ |\`])${flag}([\\] |\`\\\\]|$)`), `${command.name()} ${flag}`);
      }
    }
  }
  for (const option of program.options) assert.ok(table.includes(`\`${option.long}\``) || table.includes(`${option.short}, ${option.long}`), `program option ${option.long}`);
});

/** The README's `npx radam-run …` command line that starts with `prefix`, as the words to pass to the CLI. */
function readmeCommand(prefix: string): string[] {
  const m = new RegExp(`npx (radam-run ${prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}[^\`\\n]*)`).exec(readme());
  assert.ok(m, `README has "npx radam-run ${prefix}…"`);
  return m[1]!.trim().split(/\s+/).slice(1);
}

test("the worked example runs as written: compare into runs/lstm, then plot runs/lstm writes runs/lstm/report.html", () => {
  const cwd = mkdtempSync(join(tmpdir(), 'radam-run-readme-'));
  mkdirSync(join(cwd, 'configs'));
  copyFileSync(join(repoRoot(), 'configs', 'lstm.json'), join(cwd, 'configs', 'lstm.json'));
  const compare = readmeCommand('compare configs/lstm.json --out');
  assert.deepEqual(compare, ['compare', 'configs/lstm.json', '--out', 'runs/lstm']);
  // shortened: the point is where the result goes, not the 2000 steps
  const ran = spawnCli([...compare, '--steps', '20', '-q'], 120_000, cwd);
  assert.equal(ran.code, 0, ran.stderr);
  assert.match(ran.stderr, /^wrote runs\/lstm\/ .*; charts: radam-run plot runs\/lstm$/m);
  const plot = readmeCommand('plot runs/lstm');
  assert.deepEqual(plot, ['plot', 'runs/lstm']);
  const plotted = spawnCli(plot, 120_000, cwd);
  assert.equal(plotted.code, 0, plotted.stderr);
  assert.ok(existsSync(join(cwd, 'runs', 'lstm', 'report.html')), 'runs/lstm/report.html, as the README says');
});

test('without --out, compare names the new timestamped directory and the plot command for it, which works', () => {
  const cwd = mkdtempSync(join(tmpdir(), 'radam-run-readme-'));
  const ran = spawnCli(['compare', 'rosenbrock', '--steps', '5', '-q'], 60_000, cwd);
  assert.equal(ran.code, 0, ran.stderr);
  const m = /charts: radam-run (plot (runs\/rosenbrock-\d{8}-\d{6}))$/m.exec(ran.stderr);
  assert.ok(m, ran.stderr);
  assert.ok(existsSync(join(cwd, m[2]!, 'manifest.json')));
  assert.equal(spawnCli(m[1]!.split(' '), 120_000, cwd).code, 0);
});
