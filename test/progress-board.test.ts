// The terminal progress board (report/progress.ts BoardProgress): the overall k/N line with elapsed time
// and an ETA extrapolated from this command's work, queued runs, and a board that never outgrows the
// terminal. Clock, stream and terminal size are injected; nothing depends on real time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BoardProgress, createSweepProgress, formatDuration } from '../src/report/progress.js';
import type { RunResult } from '../src/results/run-result.js';
import type { RunSpec } from '../src/train/train.js';

const spec = (run: string, steps: number): RunSpec => ({ run, steps }) as RunSpec;
const ok = (run: string): RunResult => ({ spec: spec(run, 100), summary: { finalLoss: 0.25, divergedAt: null, stepsPerSecond: 1000 } }) as unknown as RunResult;

function board(total: number, done: number, rows = 24, columns = 120) {
  let clock = 0;
  let out = '';
  const progress = new BoardProgress({ total, done, rows, columns, now: () => clock, write: (t) => (out += t) });
  return { progress, at: (ms: number) => (clock = ms), output: () => out };
}

test('the overall line: k/N runs, elapsed, an ETA from the work done so far, running and queued runs', () => {
  const { progress, at } = board(4, 0);
  progress.started(0, spec('adam-s0', 100));
  at(10_000);
  progress.progress(0, 50, 1.5);
  // half a run in 10 s; 3.5 runs of work remain → 70 s
  assert.match(progress.lines()[0]!, /^0\/4 runs \S+ {2}elapsed 10s {2}eta 1m10s {2}\(1 running, 3 queued\)$/);
  assert.match(progress.lines()[1]!, /^ {2}adam-s0 \S+ 50\/100 {2}loss 1\.5000 {2}5 steps\/s$/);
});

test('a resumed sweep: runs complete before the command count as done but not as work done by it, so the ETA is not 0', () => {
  const { progress, at } = board(10, 8);
  progress.started(0, spec('r1', 200));
  at(20_000);
  progress.progress(0, 100, 0.5);
  // 0.5 runs of work in 20 s; 10 − 8 − 0.5 = 1.5 runs remain → 60 s
  assert.match(progress.lines()[0]!, /^8\/10 runs \S+ {2}elapsed 20s {2}eta 1m00s {2}\(1 running, 1 queued\)$/);
  // the sweep's TTY display is this board
  assert.ok(createSweepProgress({ tty: true, total: 3, done: 1, now: () => 0, write: () => {} }) instanceof BoardProgress);
});

test('more running runs than terminal rows: the board shows what fits and one line for the rest, each line within the width', () => {
  const rows = 10;
  const columns = 72;
  const { progress } = board(40, 0, rows, columns);
  for (let i = 0; i < 40; i++) progress.started(i, spec(`a-long-run-label-number-${i}-with-seed-and-lr`, 1000));
  const lines = progress.lines();
  // the overall line, 7 runs and "… 33 more": 9 lines, one fewer than the rows so the cursor line stays
  assert.equal(lines.length, rows - 1);
  assert.equal(lines.at(-1), '  … 33 more running');
  assert.ok(lines.every((l) => l.length < columns), lines.find((l) => l.length >= columns));
  assert.match(lines[0]!, /\(40 running, 0 queued\)/);
});

test('a finished run is printed above the board and stays; the board is redrawn over its previous lines only', () => {
  const { progress, at, output } = board(2, 0);
  progress.started(0, spec('a', 100));
  progress.started(1, spec('b', 100));
  const before = output().length;
  at(1000);
  progress.finished(0, ok('a'));
  const redraw = output().slice(before);
  // the board had 3 lines (overall, a, b): the cursor goes up 3, the screen below is cleared
  assert.ok(redraw.startsWith('\x1b[3A\r\x1b[J[1/2] a: final loss 0.25000, 1000 steps/s\n'), JSON.stringify(redraw));
  assert.match(redraw, /1\/2 runs .*\(1 running, 0 queued\)\n {2}b /);
});

test('durations read as people write them', () => {
  assert.equal(formatDuration(42.4), '42s');
  assert.equal(formatDuration(185), '3m05s');
  assert.equal(formatDuration(3720), '1h02m');
  assert.equal(formatDuration(NaN), '—');
});
