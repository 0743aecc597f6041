// The definition of divergence on its own: non-finite loss or gradient, a loss above 1e4 × the
// initial loss (with a floor for initial losses near 0), a non-finite update. The train loop's use of
// it is tested in train-analytic.test.ts, the CLI's in cli-compare.test.ts and sweep.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lossDivergence, updateDivergence } from '../src/train/divergence.js';

test('a finite loss and gradient that stay below the threshold are not divergence, however much the loss rose', () => {
  assert.equal(lossDivergence(2, 5, 2), undefined);
  // exactly 1e4 × the initial loss is still allowed: the threshold is strict
  assert.equal(lossDivergence(2e4, 1e30, 2), undefined);
  // a loss that falls, even far below zero, is not an explosion
  assert.equal(lossDivergence(-1e30, 1, 2), undefined);
});

test('a non-finite loss or gradient norm is divergence, the loss named first', () => {
  assert.equal(lossDivergence(NaN, 1, 2), 'loss is NaN');
  assert.equal(lossDivergence(Infinity, NaN, 2), 'loss is Infinity');
  assert.equal(lossDivergence(-Infinity, 1, 2), 'loss is -Infinity');
  assert.equal(lossDivergence(3, Infinity, 2), 'gradient norm is Infinity');
  assert.equal(lossDivergence(3, NaN, 2), 'gradient norm is NaN');
});

test('a loss above 1e4 × the initial loss is an explosion, reported with both numbers', () => {
  // initial 2.07: threshold 20700; 1.2e30 and 20701 are above it, 20699 is not
  assert.equal(lossDivergence(1.2e30, 1, 2.07), 'loss 1.2e30 > 1e4 × initial 2.07');
  assert.equal(lossDivergence(20701, 1, 2.07), 'loss 2.07e4 > 1e4 × initial 2.07');
  assert.equal(lossDivergence(20699, 1, 2.07), undefined);
});

test('an initial loss below 1 in size is floored at 1: 0 at a minimum, tiny, or negative', () => {
  // initial 0 (e.g. Rastrigin started at its minimum): any rise would be infinitely many times 0;
  // the threshold is 1e4 × 1 instead
  assert.equal(lossDivergence(9999, 1, 0), undefined);
  assert.equal(lossDivergence(2e4, 1, 0), 'loss 2e4 > 1e4 × floor 1 (initial 0)');
  assert.equal(lossDivergence(2e4, 1, 1e-6), 'loss 2e4 > 1e4 × floor 1 (initial 1e-6)');
  assert.equal(lossDivergence(2e4, 1, -0.5), 'loss 2e4 > 1e4 × floor 1 (initial -0.5)');
  // a negative initial loss counts by its size: −50 → threshold 5e5
  assert.equal(lossDivergence(4e5, 1, -50), undefined);
  assert.equal(lossDivergence(6e5, 1, -50), 'loss 6e5 > 1e4 × initial -50');
});

test('a non-finite update norm is divergence (the parameters overflowed float32); any finite one is not', () => {
  assert.equal(updateDivergence(0), undefined);
  assert.equal(updateDivergence(3.4e38), undefined);
  assert.equal(updateDivergence(Infinity), 'update norm is Infinity');
  assert.equal(updateDivergence(NaN), 'update norm is NaN');
});
