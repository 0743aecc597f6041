// Steady-state training steps allocate nothing: after warm-up, the JS heap stays flat over hundreds
// of steps and no ArrayBuffer is created. Measured per trial as heapUsed after − before, right after
// a full GC, with V8's GC profiler confirming no collection hid an allocation inside the trial.
// V8 boxes a double returned from a non-inlined call (the loss) in a 16-byte HeapNumber, and until
// the optimizing compiler has finished (later on a loaded machine: it compiles on a background
// thread) the lower tiers box many more, so the criterion is one quiet trial among up to 20:
// < 128 bytes per step with no collection. Allocating a typed array, a subarray view or a closure per
// step per layer — what this guards against — costs hundreds of bytes per step in every trial.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Arena } from '../src/nn/arena.js';
import { jsKernels } from '../src/wasm/kernels.js';
import { Lstm, Mlp, Transformer } from '../src/config/models.js';
import { buildMlp } from '../src/models/mlp.js';
import { buildLstm } from '../src/models/lstm.js';
import { buildTransformer } from '../src/models/transformer.js';
import type { Task } from '../src/models/task.js';
import { replayed, toyTokens, toyVectors } from './models-fixtures.js';
import { MAX_BYTES_PER_STEP, MAX_TRIALS, quietestTrial } from './alloc-check.js';

const cases: [string, () => Task][] = [
  ['mlp', () => Arena.build((a) => buildMlp(Mlp.parse({ kind: 'mlp', hidden: [16, 16], activation: 'gelu' }), replayed(toyVectors('classification', 8, 4, 3), 7), a, 1), jsKernels).value],
  ['mlp regression', () => Arena.build((a) => buildMlp(Mlp.parse({ kind: 'mlp', hidden: [16] }), replayed(toyVectors('regression', 8, 4, 2), 7), a, 1), jsKernels).value],
  ['lstm', () => Arena.build((a) => buildLstm(Lstm.parse({ kind: 'lstm', embed: 8, hidden: 8, layers: 2 }), replayed(toyTokens('random', 4, 8, 6), 7), a, 1), jsKernels).value],
  ['transformer', () =>
    Arena.build((a) =>
      buildTransformer(
        Transformer.parse({ kind: 'transformer', d_model: 8, heads: 2, layers: 2, d_ff: 16, context: 8, norm: 'post' }),
        replayed(toyTokens('random', 4, 8, 6), 7),
        a,
        1,
      ),
      jsKernels,
    ).value],
];

for (const [name, make] of cases) {
  test(`${name}: steady-state training steps do not allocate`, () => {
    const task = make();
    const { bytesPerStep, arrayBufferGrowth } = quietestTrial((i) => task.trainStep(i));
    assert.equal(arrayBufferGrowth <= 0, true, `${name}: ArrayBuffers grew by ${arrayBufferGrowth} bytes during training steps`);
    assert.ok(Number.isFinite(bytesPerStep), `${name}: all ${MAX_TRIALS} trials triggered a garbage collection (heavy allocation)`);
    assert.ok(bytesPerStep < MAX_BYTES_PER_STEP, `${name}: ${bytesPerStep.toFixed(1)} heap bytes per step in the quietest of ${MAX_TRIALS} trials`);
  });
}
