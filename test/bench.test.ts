// `npm run bench`: it starts, prints its header and a table and writes its JSON (--quick, one section,
// no TensorFlow.js peers); the training step it times is train()'s step, number for number; and the
// matmul calls its tables count per step are the calls a training step makes. No timing is asserted here, ever.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './helpers.js';
import { writeIdxFixture } from './idx-fixtures.js';
import { ModelSpec } from '../src/config/models.js';
import { DataSpec } from '../src/config/data.js';
import { Arena } from '../src/nn/arena.js';
import type { Kernels } from '../src/nn/kernels.js';
import { buildTask } from '../src/models/build.js';
import { train, type RunSpec, type StepRecord } from '../src/train/train.js';
import { jsKernels } from '../src/wasm/kernels.js';
import { KERNEL_SETS, trainingSteps } from '../bench/ours.js';
import { DEFAULT_TRANSFORMER, PEER_LSTM, PEER_MLP, matmulShapes, named, shapeKey, type ModelCase } from '../bench/workloads.js';

const root = repoRoot();
const bench = join(root, 'dist', 'bench', 'bench.js');

function run(args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bench, ...args], { cwd: root, encoding: 'utf8' });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

test('bench --quick --no-peers --only optim prints the header and the optimizer table and writes JSON', { skip: !existsSync(bench) && 'dist/bench/bench.js not built' }, () => {
  const json = join(mkdtempSync(join(tmpdir(), 'radam-run-bench-')), 'results.json');
  const r = run(['--quick', '--no-peers', '--only', 'optim', '--json', json]);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(r.stdout.startsWith('# radam-run bench (--quick)\n'), r.stdout.slice(0, 200));
  assert.match(r.stdout, /## Optimizer step: ns per parameter/);
  assert.doesNotMatch(r.stdout, /## matmul/);
  const results = JSON.parse(readFileSync(json, 'utf8')) as { meta: { quick: boolean }; optimizers: { optimizer: string; params: number; ours: Record<string, { nsPerParam: number }> }[] };
  assert.equal(results.meta.quick, true);
  // 4 optimizers × 3 sizes, each with a positive, finite time for the js kernels
  assert.equal(results.optimizers.length, 12);
  for (const row of results.optimizers) {
    const ns = row.ours['js']!.nsPerParam;
    assert.ok(Number.isFinite(ns) && ns > 0, `${row.optimizer} at ${row.params}: ${ns}`);
  }
});

test('bench rejects an unknown kernel implementation by listing the known ones', { skip: !existsSync(bench) && 'dist/bench/bench.js not built' }, () => {
  const r = run(['--kernels', 'gpu', '--no-peers']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--kernels: expected some of js(, wasm)?, got "gpu"/);
});

/** An MLP on spirals under Adam with clipping and a warmup-then-cosine schedule: every part of the step at work. */
function clippedScheduledSpec(kernels: 'js' | 'wasm'): RunSpec {
  const optimizer = named({ kind: 'adam', lr: 0.05, clip_norm: 0.5, schedule: { kind: 'linear-warmup', steps: 3, decay: { kind: 'cosine' } } });
  const model = ModelSpec.parse({ kind: 'mlp', hidden: [16], activation: 'tanh' });
  const data = DataSpec.parse({ kind: 'spirals', classes: 3, batch: 32 });
  return { run: 'bench-check', seed: 3, optimizer, steps: 10, logEvery: 1, model, data, eval: undefined, kernels };
}

for (const kernels of KERNEL_SETS) {
  test(`the training step the bench times is train()'s: same loss, ‖g‖, lr_t and update, step for step (${kernels} kernels)`, () => {
    const records: StepRecord[] = [];
    train(clippedScheduledSpec(kernels), { step: (r) => records.push(r), eval: () => {}, tick: () => {} });
    assert.equal(records.length, 10);
    // The check has teeth: the gradient is clipped on some steps and lr_t moves (warmup, then cosine decay).
    assert.ok(records.some((r) => r.gradNorm > 0.5), 'some step is clipped');
    assert.equal(new Set(records.map((r) => r.lr)).size, 10, 'lr_t differs every step');
    const timed = trainingSteps(clippedScheduledSpec(kernels));
    for (const r of records) {
      timed.run(1); // the bench's Repeat, one iteration = one step
      const s = timed.built.result;
      assert.deepEqual([s.loss, s.gradNorm, s.lr, s.update?.updateNorm], [r.loss, r.gradNorm, r.lr, r.updateNorm], `step ${r.step}`);
    }
    assert.equal(timed.divergence(), undefined);
  });
}

/** The matmul calls of one training step (forward + backward) of `c`, counted by shape key. */
function matmulCallsOfOneStep(c: ModelCase): Map<string, number> {
  const counts = new Map<string, number>();
  const counting: Kernels = {
    ...jsKernels,
    matmul(cm, a, b, M, N, K, transA, transB, accumulate, cOff, aOff, bOff) {
      const key = shapeKey({ M, N, K, transA, transB, accumulate });
      counts.set(key, (counts.get(key) ?? 0) + 1);
      jsKernels.matmul(cm, a, b, M, N, K, transA, transB, accumulate, cOff, aOff, bOff);
    },
  };
  const { value: task } = Arena.build((arena) => buildTask(c.model, c.data, arena, 0), counting);
  counts.clear(); // building runs no matmul today; count the step alone regardless
  task.trainStep(1);
  return counts;
}

/** workloads.ts's table of the same step, by shape key; `skip` drops ops made inside another kernel. */
function tabulated(c: ModelCase, skip: (op: string) => boolean = () => false): Map<string, number> {
  const counts = new Map<string, number>();
  for (const s of matmulShapes(c.model, c.data)) {
    if (s.calls === 0 || skip(s.op)) continue;
    counts.set(shapeKey(s), (counts.get(shapeKey(s)) ?? 0) + s.calls);
  }
  return counts;
}

test("the matmul table's calls per step are the calls a training step makes (mlp, transformer)", () => {
  // The attention's per-head products run inside the attentionForward/attentionBackward kernels
  // (src/nn/attention.ts), and workloads.ts does not list them either.
  for (const c of [PEER_MLP, DEFAULT_TRANSFORMER]) {
    const seen = new Map([...matmulCallsOfOneStep(c)].sort());
    assert.deepEqual(seen, new Map([...tabulated(c)].sort()), c.label);
  }
});

test("the matmul table's calls per step are the calls a training step makes (cnn: 2c2d's layers, a valid stride-2 conv, no pooling)", () => {
  // The conv layers' own products run inside the conv2dForward/conv2dBackward kernels (src/nn/conv2d.ts
  // calls matmul directly), so only the dense layers' calls are seen here.
  const dir = writeIdxFixture(mkdtempSync(join(tmpdir(), 'radam-run-bench-cnn-')));
  const data = DataSpec.parse({ kind: 'fashion-mnist', batch: 3, path: dir });
  const models = [
    ModelSpec.parse({ kind: 'cnn', dense: [16] }),
    ModelSpec.parse({ kind: 'cnn', conv: [{ channels: 4, kernel: 3, stride: 2, padding: 'valid', pool: 'none' }, { channels: 5, kernel: 3 }], dense: [] }),
  ];
  for (const model of models) {
    const c: ModelCase = { label: 'cnn', model, data };
    assert.deepEqual(new Map([...matmulCallsOfOneStep(c)].sort()), new Map([...tabulated(c, (op) => op.startsWith('conv'))].sort()), JSON.stringify(model));
  }
});

test("the matmul table's calls per step for an LSTM: the head's calls go through the kernels' matmul", () => {
  // The LSTM layer's own products run inside the lstmForward/lstmBackward kernels (src/nn/lstm.ts calls
  // matmul directly), so only the head's linear layer is seen here.
  const seen = matmulCallsOfOneStep(PEER_LSTM);
  assert.deepEqual(new Map([...seen].sort()), new Map([...tabulated(PEER_LSTM, (op) => op.startsWith('lstm'))].sort()));
  assert.equal([...seen.values()].reduce((a, b) => a + b, 0), 3, 'head: forward, dx, dW');
});
