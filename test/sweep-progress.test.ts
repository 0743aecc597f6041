// The progress of a sweep off a TTY (CI logs): a line per finished run, and the running runs' steps
// at most every `every` ms, so that long runs are not silence. The clock and stderr are injected.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSweepProgress } from '../src/report/progress.js';
import type { RunResult } from '../src/results/run-result.js';
import type { RunSpec } from '../src/train/train.js';

const spec = (run: string, steps: number): RunSpec => ({ run, steps } as RunSpec);

function harness(every: number) {
  let clock = 0;
  const lines: string[] = [];
  const progress = createSweepProgress({ tty: false, total: 3, done: 1, every, now: () => clock, write: (t) => lines.push(...t.split('\n').filter(Boolean)) });
  return { progress, lines, advance: (ms: number) => (clock += ms) };
}

// losses print with 5 significant digits (formatLoss)
test('off a TTY, running runs are reported no more often than `every`, each with its step and loss', () => {
  const { progress, lines, advance } = harness(30_000);
  progress.started!(0, spec('adam seed=0', 3438));
  progress.started!(1, spec('radam seed=0', 3438));
  progress.progress!(0, 10, 2.3);
  assert.deepEqual(lines, [], 'nothing before the first interval has passed');
  advance(30_000);
  progress.progress!(1, 20, 2.1);
  // one line per running run, counted against the runs done so far (1 of 3 was complete before)
  assert.deepEqual(lines, ['[1/3] adam seed=0: step 10/3438  loss 2.3000', '[1/3] radam seed=0: step 20/3438  loss 2.1000']);
  advance(29_999);
  progress.progress!(0, 30, 1.9);
  assert.equal(lines.length, 2, 'the next lines wait for a whole interval');
  advance(1);
  progress.progress!(0, 40, 1.8);
  assert.equal(lines.length, 4);
  assert.equal(lines[2], '[1/3] adam seed=0: step 40/3438  loss 1.8000');
});

test('a finished run gets its line, counts as done, and is no longer reported as running', () => {
  const { progress, lines, advance } = harness(1000);
  progress.started!(0, spec('adam seed=0', 100));
  progress.started!(1, spec('radam seed=0', 100));
  const result = { spec: spec('adam seed=0', 100), summary: { finalLoss: 0.25, divergedAt: null } } as unknown as RunResult;
  progress.finished!(0, result);
  assert.deepEqual(lines, ['[2/3] adam seed=0: final loss 0.25000']);
  advance(1000);
  progress.progress!(1, 50, 0.5);
  assert.deepEqual(lines.slice(1), ['[2/3] radam seed=0: step 50/100  loss 0.50000']);
});
