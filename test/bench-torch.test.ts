// The bench's PyTorch section (bench/torch.ts, bench/torch-peer.ts, bench/torch_peer.py): its workloads
// are the shipped configs' shapes, read from the files; and, where python can import torch, the script
// builds the same networks as ours (equal parameter counts, for every model kind). No timing is asserted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './helpers.js';
import { writeIdxFixture } from './idx-fixtures.js';
import { ModelSpec } from '../src/config/models.js';
import { DataSpec } from '../src/config/data.js';
import { benchRunSpec, trainingSteps } from '../bench/ours.js';
import { summarise, torchCases, type TorchRow } from '../bench/torch.js';
import { TORCH_INSTALL, findTorchPython, runTorchPeer, torchWorkload, type TorchWorkload } from '../bench/torch-peer.js';
import { named } from '../bench/workloads.js';

const root = repoRoot();
const configs = join(root, 'configs');
const adamShape = (lr: number) => ({ lr, betas: [0.9, 0.999], eps: 1e-8, weight_decay: 0 });

test('the torch workloads are the shipped configs with their shapes (issues #12 and #13), plus the char LSTM H256', () => {
  const notes: string[] = [];
  const byKey = new Map(torchCases(configs, notes).map((c) => [c.key, c.workload]));
  assert.deepEqual(notes, []);
  assert.deepEqual([...byKey.keys()], ['fmnist-2c2d', 'fmnist-mlp', 'lstm', 'mlp', 'transformer', 'char-lstm-h256']);
  // DeepOBS 2c2d: two 5×5 'same' convs (stride 1: (5 − 1)/2 = 2 rows of padding each side), each pooled 2×2/2:
  // 28 → 14 → 7, so the dense layer reads 64·7·7 = 3136 features.
  const pool = { kernel: 2, stride: 2 };
  assert.deepEqual(byKey.get('fmnist-2c2d'), {
    label: 'configs/fmnist-2c2d.yaml', batch: 128, adam: adamShape(1e-3), kind: 'cnn', input: [1, 28, 28],
    conv: [
      { channels: 32, kernel: 5, stride: 1, pad: [2, 2, 2, 2], pool },
      { channels: 64, kernel: 5, stride: 1, pad: [2, 2, 2, 2], pool },
    ],
    flat: 3136, dense: [1024], classes: 10,
  });
  assert.deepEqual(byKey.get('fmnist-mlp'), { label: 'configs/fmnist-mlp.yaml', batch: 128, adam: adamShape(1e-3), kind: 'mlp', widths: [784, 1000, 500, 100, 10], activation: 'relu' });
  assert.deepEqual(byKey.get('lstm'), { label: 'configs/lstm.json', batch: 16, adam: adamShape(0.01), kind: 'lstm', seqLen: 32, vocab: 8, embed: 16, hidden: 32, layers: 1 });
  assert.deepEqual(byKey.get('mlp'), { label: 'configs/mlp.yaml', batch: 64, adam: adamShape(0.01), kind: 'mlp', widths: [2, 64, 64, 5], activation: 'tanh' });
  // The config's first Adam (plain, lr 0.03), not its adam-warmup variant: both have kind adam.
  assert.deepEqual(byKey.get('transformer'), {
    label: 'configs/transformer.yaml', batch: 16, adam: adamShape(0.03), kind: 'transformer',
    seqLen: 32, vocab: 8, d_model: 32, heads: 4, layers: 2, d_ff: 64, context: 32, norm: 'post', activation: 'gelu',
  });
  const charLstm = byKey.get('char-lstm-h256')!;
  assert.deepEqual([charLstm.kind, charLstm.batch], ['lstm', 32]);
  assert.ok(charLstm.kind === 'lstm');
  assert.deepEqual([charLstm.embed, charLstm.hidden, charLstm.vocab, charLstm.seqLen], [64, 256, 64, 64]);
});

test('the torch workloads follow the config files: an edited config changes the workload; a missing one is a note', () => {
  const dir = mkdtempSync(join(tmpdir(), 'radam-run-bench-torch-'));
  copyFileSync(join(configs, 'lstm.json'), join(dir, 'lstm.json'));
  writeFileSync(
    join(dir, 'mlp.yaml'),
    'name: m\nsteps: 10\nmodel: { kind: mlp, hidden: [3], activation: gelu }\ndata: { kind: spirals, batch: 7, classes: 4 }\noptimizers: [{ kind: sgd, lr: 0.1 }]\n',
  );
  const notes: string[] = [];
  const byKey = new Map(torchCases(dir, notes).map((c) => [c.key, c]));
  assert.deepEqual([...byKey.keys()], ['lstm', 'mlp', 'char-lstm-h256']);
  assert.equal(notes.length, 3, notes.join('\n')); // fmnist-2c2d, fmnist-mlp, transformer
  // No Adam in the config: the peer's optimizer is Adam at 1e-3, and our run uses the same.
  const mlp = byKey.get('mlp')!;
  assert.deepEqual(mlp.workload, { label: mlp.label, batch: 7, adam: adamShape(1e-3), kind: 'mlp', widths: [2, 3, 4], activation: 'gelu' });
  assert.deepEqual(mlp.spec('js').optimizer, named({ kind: 'adam', lr: 1e-3 }));
});

test("a conv layer's TensorFlow 'same' padding is split as ours splits it: the extra pixel after", () => {
  const model = ModelSpec.parse({ kind: 'cnn', conv: [{ channels: 2, kernel: 4, padding: 'same' }, { channels: 3, kernel: 5, stride: 2, padding: 'same' }, { channels: 4, kernel: 3, padding: 'valid', pool: 'none' }], dense: [] });
  const w = torchWorkload('x', model, DataSpec.parse({ kind: 'mnist', batch: 2 }), named({ kind: 'adam', lr: 1e-3 }));
  assert.ok(w.kind === 'cnn');
  // k = 4, s = 1 on 28: out 28, total padding 27 + 4 − 28 = 3 → 1 before, 2 after; pool 2/2 → 14.
  // k = 5, s = 2 on 14: out ⌈14/2⌉ = 7, total 6·2 + 5 − 14 = 3 → 1 before, 2 after; pool → 3.
  // k = 3 'valid' on 3: no padding, out 1, no pool: the dense layer reads 4·1·1 features.
  assert.deepEqual(w.conv.map((c) => c.pad), [[1, 2, 1, 2], [1, 2, 1, 2], [0, 0, 0, 0]]);
  assert.deepEqual(w.conv.map((c) => c.pool), [{ kernel: 2, stride: 2 }, { kernel: 2, stride: 2 }, null]);
  assert.equal(w.flat, 4);
});

/** Tiny models of every kind the peer builds, with the choices that change a parameter count (pre/post norm, stacked LSTMs, odd padding, context > seq_len). */
function tinyModels(idxDir: string): { model: ModelSpec; data: DataSpec }[] {
  const tokens = DataSpec.parse({ kind: 'markov-text', vocab: 6, seq_len: 5, batch: 3 });
  return [
    { model: ModelSpec.parse({ kind: 'mlp', hidden: [5, 3], activation: 'gelu' }), data: DataSpec.parse({ kind: 'spirals', classes: 3, batch: 4 }) },
    { model: ModelSpec.parse({ kind: 'linear' }), data: DataSpec.parse({ kind: 'blobs', classes: 4, dim: 3, batch: 4 }) },
    {
      model: ModelSpec.parse({ kind: 'cnn', conv: [{ channels: 2, kernel: 4 }, { channels: 3, kernel: 5, stride: 2, pool: 'none' }], dense: [6] }),
      data: DataSpec.parse({ kind: 'fashion-mnist', path: idxDir, batch: 2 }),
    },
    { model: ModelSpec.parse({ kind: 'lstm', embed: 4, hidden: 5, layers: 2 }), data: tokens },
    { model: ModelSpec.parse({ kind: 'transformer', d_model: 8, heads: 2, layers: 2, d_ff: 12, context: 7, norm: 'pre' }), data: tokens },
    { model: ModelSpec.parse({ kind: 'transformer', d_model: 8, heads: 2, layers: 1, d_ff: 12, context: 5, norm: 'post', activation: 'relu' }), data: tokens },
  ];
}

const python = findTorchPython();

test(
  'bench/torch_peer.py returns well-formed JSON and builds the same networks as ours: equal parameter counts for every model kind',
  { skip: 'missing' in python && `torch not importable: ${python.missing}` },
  () => {
    assert.ok('python' in python);
    const idxDir = writeIdxFixture(join(mkdtempSync(join(tmpdir(), 'radam-run-bench-torch-')), 'idx'));
    const adam = named({ kind: 'adam', lr: 1e-3 });
    const cases = tinyModels(idxDir).map((c, i) => ({
      workload: torchWorkload(`w${i}`, c.model, c.data, adam),
      ours: trainingSteps(benchRunSpec(c.model, c.data, adam, 'js')).built.task.params.data.length,
    }));
    const workloads: TorchWorkload[] = cases.map((c) => c.workload);
    const report = runTorchPeer(python.python, join(root, 'bench'), workloads, { sampleMs: 1, samples: 1, warmupMs: 0 }, 1);
    assert.match(report.torch, /^\d+\.\d+/);
    assert.equal(report.threads, 1);
    assert.equal(typeof report.blas.kind, 'string');
    assert.deepEqual(report.results.map((r) => r.label), workloads.map((w) => w.label));
    report.results.forEach((r, i) => {
      assert.ok(!('error' in r), `${workloads[i]!.kind}: ${'error' in r ? r.error : ''}`);
      assert.equal(r.params, cases[i]!.ours, `${workloads[i]!.kind} #${i}: PyTorch's parameter count`);
      assert.ok(r.timing.median > 0 && Number.isFinite(r.timing.median) && r.timing.samples === 1);
      assert.ok(Number.isFinite(r.lastLoss), `${workloads[i]!.kind} #${i}: loss ${r.lastLoss}`);
    });
  },
);

test('without torch the bench prints how to get it, skips the section and exits 0', { skip: !existsSync(join(root, 'dist', 'bench', 'bench.js')) && 'dist/bench/bench.js not built' }, () => {
  const json = join(mkdtempSync(join(tmpdir(), 'radam-run-bench-torch-')), 'results.json');
  const r = spawnSync(process.execPath, [join(root, 'dist', 'bench', 'bench.js'), '--quick', '--only', 'torch', '--json', json], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, RADAM_RUN_PYTHON: join(root, 'no-such-python') },
  });
  assert.equal(r.status, 0, r.stderr);
  assert.ok(r.stdout.includes(TORCH_INSTALL), r.stdout);
  assert.ok(existsSync(json));
});

test('alternating rounds: each ratio is the median of the rounds\' ratios (not the ratio of medians), with its range', () => {
  const row = { ours: {}, speedup: {}, speedupRange: {} } as unknown as TorchRow;
  // Round 2's load slowed both sides: its ratio (4.0) agrees with round 1's (4.0); round 3 saw only ours slowed.
  summarise({
    ours: new Map([['wasm', [1, 2, 1.5]]]),
    torch: [4, 8, 3],
    wasmThreaded: [0.5, 1.25, 1],
    torchThreaded: [NaN, 6, 2],
  }, row, 2);
  assert.equal(row.ours['wasm'], 1.5);
  assert.equal(row.torch, 4);
  // ratios 4, 4, 2 → median 4 (the medians' ratio would be 4 / 1.5 = 2.67)
  assert.equal(row.speedup['wasm'], 4);
  assert.deepEqual(row.speedupRange['wasm'], [2, 4]);
  // one-thread ÷ threaded per round: 2, 1.6, 1.5 → 1.6; PyTorch's failed round is left out of its median
  assert.deepEqual(row.threaded, { threads: 2, wasm: 1, torch: 4, speedup: 1.6, speedupRange: [1.5, 2] });
});

test('bench --rounds takes a whole number from 1 to 99', { skip: !existsSync(join(root, 'dist', 'bench', 'bench.js')) && 'dist/bench/bench.js not built' }, () => {
  for (const bad of ['0', '1.5', 'x']) {
    const r = spawnSync(process.execPath, [join(root, 'dist', 'bench', 'bench.js'), '--rounds', bad, '--no-peers'], { cwd: root, encoding: 'utf8' });
    assert.equal(r.status, 2, bad);
    assert.match(r.stderr, new RegExp(`--rounds: expected a whole number from 1 to 99, got "${bad.replace('.', '\\.')}"`));
  }
});
