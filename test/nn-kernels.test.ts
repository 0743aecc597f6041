// The kernels seam (src/nn/kernels.ts): every hot loop of a model and its optimizer goes through the
// kernels its arena was built with, so handing the arena other kernels changes which code runs, and
// nothing else does. Checked with the JS kernels wrapped to count their calls.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Arena } from '../src/nn/arena.js';
import type { Kernels } from '../src/nn/kernels.js';
import { jsKernels } from '../src/wasm/kernels.js';
import { Lstm, Transformer } from '../src/config/models.js';
import { OptimizerSpec } from '../src/config/optimizers.js';
import { buildLstm } from '../src/models/lstm.js';
import { buildTransformer } from '../src/models/transformer.js';
import { createOptimizer } from '../src/optim/optimizer.js';
import type { Task } from '../src/models/task.js';
import { toyTokens } from './models-fixtures.js';

/** The JS kernels, each call counted by kernel name. */
function counted(): { kernels: Kernels; calls: Map<string, number> } {
  const calls = new Map<string, number>();
  const wrapped = Object.entries(jsKernels).map(([name, fn]: [string, (...args: unknown[]) => unknown]) => [
    name,
    (...args: unknown[]) => {
      calls.set(name, (calls.get(name) ?? 0) + 1);
      return fn(...args);
    },
  ]);
  return { kernels: Object.fromEntries(wrapped) as unknown as Kernels, calls };
}

test('an LSTM model and its Adam step run through the arena\'s kernels, with the same numbers as the JS kernels', () => {
  // 2 layers: forward = 2 LSTM layer calls (the first fed from the token ids) + the head's matmul and bias; backward = 2 layer calls +
  // the head's two matmuls (dinp and dweight) and its bias sums, and the embedding's scatter-add; the loss forward and backward and
  // the accuracy count; the gradients zeroed (the parameters' and 4 activation gradients: the embedding's, the logits' and each
  // layer's dh); one Adam step; the arena's memory made once.
  const build = (kernels: Kernels) =>
    Arena.build((a) => {
      const task = buildLstm(Lstm.parse({ kind: 'lstm', embed: 4, hidden: 5, layers: 2 }), toyTokens('random', 3, 4, 6), a, 0);
      return { task, optimizer: createOptimizer(OptimizerSpec.parse({ kind: 'adam' }), task.params.data.length, a) };
    }, kernels).value;
  const { kernels, calls } = counted();
  const spied = build(kernels);
  const plain = build(jsKernels);
  for (const { task, optimizer } of [spied, plain]) {
    task.trainStep(1);
    optimizer.step(task.params.data, task.params.grad, 1, 1e-3);
  }
  assert.deepEqual(Object.fromEntries(calls), { memory: 1, lstmForwardTokens: 1, lstmForward: 1, lstmBackward: 2, embeddingBackward: 1, matmul: 3, addChannelBias: 1, addChannelSums: 1,
    softmaxCrossEntropyForward: 1, softmaxCrossEntropyBackward: 1, countCorrect: 1, fillZero: 5, adamStep: 1 });
  assert.deepEqual(spied.task.params.data, plain.task.params.data);
});

test('a transformer runs every layer through the arena\'s kernels: per block 4 linears, attention, 2 LayerNorms, 2 residuals, GELU', () => {
  // 3 pre-norm blocks: 3·4 + 1 = 13 linears (a matmul and a bias add each, the head included), one
  // attention call per block (its products run inside it), 3·2 + 1 = 7 LayerNorms (the final one
  // included), 3·2 residual adds and 3 GELUs (the default activation), after the token and position embeddings, then the loss and
  // the accuracy count.
  const { kernels, calls } = counted();
  const spec = Transformer.parse({ kind: 'transformer', d_model: 8, heads: 2, layers: 3, d_ff: 12, context: 5 });
  const task: Task = Arena.build((a) => buildTransformer(spec, toyTokens('random', 2, 5, 7), a, 0), kernels).value;
  calls.clear();
  task.evaluate!(1);
  assert.deepEqual(Object.fromEntries(calls), {
    matmul: 13, addChannelBias: 13, attentionForward: 3, layernormForward: 7, residualForward: 6, geluForward: 3,
    embeddingForward: 2, softmaxCrossEntropyForward: 1, countCorrect: 1,
  });
});
