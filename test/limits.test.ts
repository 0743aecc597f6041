// Nothing hangs: a model, dataset, sweep or simulation far too large is refused from its spec, before
// anything is allocated, with one line naming the field and exit code 2; a device, FIFO, directory or
// oversized file as a text corpus is refused from its stat. The size arithmetic is checked against
// real arenas: the parameter count and the arena's bytes are exact.
// The CLI cases run the built CLI with a 60 s timeout, so a hang fails them; nothing is timed.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { loadExperiment, validateExperiment } from '../src/config/load.js';
import { planCompare } from '../src/run/plan.js';
import { buildRun } from '../src/train/train.js';
import { loadCorpus } from '../src/data/textfile.js';
import { MAX_ARENA_BYTES, arenaBytes, dataShape, modelSlots, sizeChecker } from '../src/models/size.js';
import { simulateVariance, simulatedSteps } from '../src/optim/variance.js';
import { WASM_PAGE } from '../src/wasm/wasm-kernels.js';
import { SCRATCH_BYTES } from '../src/wasm/jobs.js';
import type { RunSpec } from '../src/train/train.js';
import { repoRoot, spawnCli } from './helpers.js';
import { fashionMnistMissing, writeSquaresIdx } from './idx-fixtures.js';

const root = repoRoot();
const dir = mkdtempSync(join(tmpdir(), 'radam-limits-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const corpusSize = (path: string) => {
  const { chars, tokens } = loadCorpus(path);
  return { vocab: chars.length, characters: tokens.length };
};

function write(name: string, content: string | object): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : stringify(content));
  return path;
}

// ---- the size arithmetic against real arenas ------------------------------------------------

/** Every optimizer state layout: none, one buffer, two, three. */
const OPTIMIZERS = [
  { kind: 'sgd' },
  { kind: 'sgd', name: 'momentum', momentum: 0.9 },
  { kind: 'adam' },
  { kind: 'adam', name: 'amsgrad', amsgrad: true },
  { kind: 'adamw' },
  { kind: 'radam' },
];

/** Small odd sizes, so that the arena's rounding of every buffer to whole f32x4 vectors matters. */
const corpus = write('corpus.txt', 'héllo wörld 🙂 zebra, a small corpus\n'.repeat(30));
const images = writeSquaresIdx(join(dir, 'idx'), 24, 4);
const VARIANTS: [string, object, object | undefined][] = [
  ['linear on blobs', { kind: 'linear' }, { kind: 'blobs', batch: 3, classes: 5, dim: 7 }],
  ['mlp on teacher regression', { kind: 'mlp', hidden: [5, 3, 9], activation: 'gelu' }, { kind: 'teacher', batch: 5, in: 3, hidden: 4, out: 2 }],
  ['mlp on teacher classification', { kind: 'mlp', hidden: [6] }, { kind: 'teacher', batch: 7, in: 3, out: 3, task: 'classification' }],
  ['mlp on spirals', { kind: 'mlp', hidden: [11, 1] }, { kind: 'spirals', batch: 9, classes: 3 }],
  ['2-layer lstm on markov-text', { kind: 'lstm', embed: 5, hidden: 7, layers: 2 }, { kind: 'markov-text', batch: 3, vocab: 5, order: 1, seq_len: 9 }],
  ['lstm on a text file', { kind: 'lstm', embed: 3, hidden: 6 }, { kind: 'text-file', path: corpus, batch: 2, seq_len: 5 }],
  ['pre-norm transformer', { kind: 'transformer', d_model: 12, heads: 3, layers: 1, d_ff: 10, context: 11, norm: 'pre' }, { kind: 'markov-text', batch: 3, vocab: 5, seq_len: 7 }],
  ['post-norm transformer', { kind: 'transformer', d_model: 6, heads: 2, layers: 3, d_ff: 5, context: 9, norm: 'post' }, { kind: 'text-file', path: corpus, batch: 2, seq_len: 9 }],
  ['cnn (DeepOBS 2c2d) on fashion-mnist', { kind: 'cnn' }, { kind: 'fashion-mnist', path: images, batch: 3 }],
  [
    'cnn with valid padding, stride 2, per-layer pools and a truncated-normal init on mnist',
    { kind: 'cnn', conv: [{ channels: 3, kernel: 3, padding: 'valid', pool: 'none' }, { channels: 5, kernel: 4, stride: 2, pool: { kernel: 3, stride: 1 } }], dense: [7, 3], init: { kind: 'truncated-normal', std: 0.1 } },
    { kind: 'mnist', path: images, batch: 5 },
  ],
  ['rastrigin', { kind: 'rastrigin', init: [1, 2, 3, 4, 5] }, undefined],
  ['quadratic', { kind: 'quadratic', curvatures: [1, 2, 3], init: [1, 1, 1] }, undefined],
  ['rosenbrock', { kind: 'rosenbrock' }, undefined],
];

function variantSpecs(model: object, data: object | undefined): RunSpec[] {
  const exp = validateExperiment({ name: 'v', steps: 1, model, ...(data ? { data } : {}), optimizers: OPTIMIZERS }, dir);
  return planCompare(exp, { kernels: 'js' });
}

function shippedSpecs(file: string): RunSpec[] {
  return planCompare(loadExperiment(join(root, file)).experiment, { kernels: 'js' });
}

/** The estimate equals the real js arena: parameters exactly, bytes exactly. */
function assertExact(spec: RunSpec, what: string): void {
  const slots = modelSlots(spec.model, spec.data && dataShape(spec.data, corpusSize));
  const { task, arena } = buildRun(spec);
  assert.equal(slots.params, task.params.data.length, `${what}: parameters`);
  assert.equal(arenaBytes(slots, spec.optimizer), arena.byteLength, `${what}: arena bytes`);
}

/** Every shipped config and experiment (read from the directories, so that a new one is covered). */
const SHIPPED = ['configs', 'experiments'].flatMap((dir) =>
  readdirSync(join(repoRoot(), dir))
    .filter((f) => /\.(json|ya?ml)$/.test(f))
    .sort()
    .map((f) => `${dir}/${f}`),
);

/** Why a config cannot run here (its data files are absent), or undefined. */
function missingData(file: string): string | undefined {
  return file.includes('fmnist-') ? fashionMnistMissing() : undefined;
}

for (const file of SHIPPED) {
  test(`${file}: the arena size from the spec is the real arena's, for every run`, (t) => {
    const missing = missingData(file);
    if (missing !== undefined) {
      t.skip(missing);
      return;
    }
    for (const spec of shippedSpecs(file)) assertExact(spec, `${file} ${spec.run}`);
  });
}

for (const [name, model, data] of VARIANTS) {
  test(`${name}: the arena size from the spec is the real arena's, for every optimizer`, () => {
    for (const spec of variantSpecs(model, data)) assertExact(spec, `${name} ${spec.run}`);
  });
}

test('the wasm arena is the estimate rounded up to whole 64 KiB pages, so it fits 2 GiB exactly when the estimate does', () => {
  const spec = shippedSpecs('configs/transformer.yaml')[1]!;
  const bytes = arenaBytes(modelSlots(spec.model, dataShape(spec.data!, corpusSize)), spec.optimizer);
  // Past the arena, the memory holds the run thread's scratch for packed products (src/wasm/jobs.ts).
  const scratch = Math.ceil(SCRATCH_BYTES / WASM_PAGE) * WASM_PAGE;
  assert.equal(buildRun({ ...spec, kernels: 'wasm' }).arena.byteLength, Math.ceil(bytes / WASM_PAGE) * WASM_PAGE + scratch);
  assert.equal(MAX_ARENA_BYTES % WASM_PAGE, 0);
});

test("a threaded wasm cnn's memory is the estimate's pages, then a region per thread: packing scratch and a conv lane as large as its largest cols", () => {
  const spec = variantSpecs({ kind: 'cnn' }, { kind: 'fashion-mnist', path: images, batch: 3 })[0]!;
  const bytes = arenaBytes(modelSlots(spec.model, dataShape(spec.data!, corpusSize)), spec.optimizer);
  const run = buildRun({ ...spec, kernels: 'wasm', threads: 3 });
  try {
    // 2c2d's second conv unrolls the largest cols: 32·5·5 rows × 14·14 columns.
    const region = SCRATCH_BYTES + 4 * 32 * 5 * 5 * 14 * 14;
    assert.equal(run.arena.byteLength, Math.ceil(bytes / WASM_PAGE) * WASM_PAGE + Math.ceil((3 * region) / WASM_PAGE) * WASM_PAGE);
  } finally {
    run.kernels.dispose?.();
  }
});

test('a model over 2 GiB is one problem naming the field most to blame, with its size and parameter count', () => {
  const exp = loadExperiment(join(root, 'configs/mlp.yaml'), { set: ['model.hidden=[1000000000]'] }).experiment;
  // spirals: D = 2, K = 5, B = 64; widths 2 → 10⁹ → 5: P = (2·10⁹ + 10⁹) + (5·10⁹ + 5) = 8·10⁹ + 5.
  // Floats: params and grads 2P, Adam's m and v 2P (the largest optimizer of the three), activations
  // 4·B·10⁹ (pre, dpre, post, dpost of the hidden layer) plus a few hundred: ≈ 4·8·10⁹ + 2.56·10¹¹ =
  // 2.88·10¹¹ floats = 1.152·10¹² bytes = 1.05 TiB.
  assert.deepEqual(sizeChecker()(planCompare(exp, { kernels: 'js' })), [
    'model.hidden: expected a model of at most 2 GiB per run (parameters, gradients, optimizer state, activations), got about 1.0 TiB (8.0e9 parameters)',
  ]);
});

test('the field to blame is the one whose default shrinks the run most: batch, seq_len, or a text file’s vocabulary', () => {
  const blamed = (file: string, set: string[]): string[] =>
    sizeChecker()(planCompare(loadExperiment(join(root, file), { set }).experiment, { kernels: 'js' })).map((p) => p.slice(0, p.indexOf(':')));
  assert.deepEqual(blamed('configs/mlp.yaml', ['data.batch=100000000']), ['data.batch']);
  assert.deepEqual(blamed('configs/lstm.json', ['model.hidden=30000']), ['model.hidden']);
  assert.deepEqual(blamed('configs/transformer.yaml', ['data.seq_len=100000', 'model.context=100000']), ['data.seq_len']);
  // A transformer on a text of 60 000 distinct characters: the logits, their softmax and its gradient
  // alone are 3·N·V = 3·(64·64)·60 000 floats ≈ 2.9 GB; with markov-text's 16 symbols they are tiny.
  let text = '';
  for (let cp = 0xe000; cp < 0xe000 + 60_000; cp++) text += String.fromCodePoint(cp); // no surrogates from 0xE000 on
  const wide = write('wide.txt', text.repeat(2));
  assert.equal(loadCorpus(wide).chars.length, 60_000);
  const exp = validateExperiment(
    { name: 'wide', steps: 1, model: { kind: 'transformer' }, data: { kind: 'text-file', path: wide, batch: 64, seq_len: 64 }, optimizers: [{ kind: 'adam' }] },
    dir,
  );
  assert.deepEqual(
    sizeChecker()(planCompare(exp, { kernels: 'js' })).map((p) => p.slice(0, p.indexOf(':'))),
    ['data.path'],
  );
});

test('the configs shipped are far from the limits: no problems', () => {
  for (const file of SHIPPED) assert.deepEqual(sizeChecker()(shippedSpecs(file)), [], file);
});

test('variance simulates simulatedSteps(β₂, steps) steps: t = 1 … t∞ with t∞ = ⌈10/(1−β₂)⌉ when that is longer', () => {
  const seen: number[] = [];
  const sim = simulateVariance({ beta2: 0.99, steps: 50, samples: 4, seed: 0, onStep: (t) => seen.push(t) });
  // 10/(1 − 0.99) = 1000 (up to rounding, ceil gives 1000)
  assert.equal(simulatedSteps(0.99, 50), 1000);
  assert.equal(sim.tInf, 1000);
  assert.deepEqual(seen, Array.from({ length: 1000 }, (_, i) => i + 1));
  assert.equal(sim.rows.length, 50);
  assert.equal(simulatedSteps(0.5, 50), 50);
});

// ---- the CLI: exit 2, one line naming the field, promptly, nothing written ------------------

const fifo = join(dir, 'fifo');
const haveFifo = spawnSync('mkfifo', [fifo]).status === 0;
const oversized = join(dir, 'oversized.txt');
writeFileSync(oversized, '');
truncateSync(oversized, 65 * 2 ** 20); // sparse: 65 MiB without writing them

const hundred = Array.from({ length: 100 }, (_, i) => i + 1);
const hugeGrid = write('huge-grid.yaml', {
  name: 'huge-grid',
  steps: 10,
  model: { kind: 'quadratic', curvatures: [1, 2], init: [1, 1] },
  optimizers: [{ kind: 'sgd' }, { kind: 'adam' }, { kind: 'radam' }],
  sweep: {
    method: 'grid',
    params: Object.fromEntries(['lr', 'eps', 'weight_decay', 'clip_norm', 'steps', 'log_every', 'model.noise', 'momentum', 'freeze_steps', 'betas'].map((p) => [p, hundred])),
    seeds: [0, 1, 2],
  },
});
const hugeRandom = write('huge-random.yaml', {
  name: 'huge-random',
  steps: 10,
  model: { kind: 'rosenbrock' },
  optimizers: [{ kind: 'adam' }],
  sweep: { method: 'random', samples: 1_000_000_000, params: { lr: { log_uniform: [1e-4, 1e-1] } } },
});
const onePointHuge = write('one-point-huge.yaml', {
  ...loadExperiment(join(root, 'configs/mlp.yaml')).raw as object,
  sweep: { params: { 'model.hidden': [[64], [1_000_000_000]] } },
});

interface Case {
  name: string;
  args: (out: string) => string[];
  /** The one line, after "radam-run: ". */
  line: RegExp;
  skip?: boolean;
}

const mlpHuge = ['configs/mlp.yaml', '--set', 'model.hidden=[1000000000]'];
const huge = /^model\.hidden: expected a model of at most 2 GiB per run \(parameters, gradients, optimizer state, activations\), got about 1\.0 TiB \(8\.0e9 parameters\)$/;
const CASES: Case[] = [
  { name: 'validate: a huge mlp', args: () => ['validate', ...mlpHuge], line: huge },
  { name: 'compare: a huge mlp', args: (out) => ['compare', ...mlpHuge, '--out', out, '-q'], line: huge },
  { name: 'compare: a huge batch', args: (out) => ['compare', 'configs/mlp.yaml', '--set', 'data.batch=1000000000000', '--out', out, '-q'], line: /^data\.batch: expected a model of at most 2 GiB per run/ },
  { name: 'validate: blobs with 10⁹ dimensions', args: () => ['validate', 'configs/mlp.yaml', '--set', 'data={kind: blobs, dim: 1000000000}'], line: /^data\.dim: expected classes × dim class-center coordinates ≤ 4194304 .*got 4\.0e9$/ },
  { name: 'validate: a teacher with 10⁹ inputs', args: () => ['validate', 'configs/mlp.yaml', '--set', 'data={kind: teacher, in: 1000000000}'], line: /^data\.in: expected hidden × \(in \+ 1 \+ out\) teacher weights ≤ 4194304 .*got 3\.2e10$/ },
  { name: 'compare: /dev/zero as corpus', args: (out) => ['compare', 'configs/text.yaml', '--set', 'data.path=/dev/zero', '--out', out, '-q'], line: /^data\.path: expected a regular UTF-8 text file, got a character device "\/dev\/zero"$/ },
  { name: 'validate: /dev/urandom as corpus', args: () => ['validate', 'configs/text.yaml', '--set', 'data.path=/dev/urandom'], line: /^data\.path: expected a regular UTF-8 text file, got a character device "\/dev\/urandom"$/ },
  { name: 'compare: a FIFO as corpus', args: (out) => ['compare', 'configs/text.yaml', '--set', `data.path=${fifo}`, '--out', out, '-q'], line: /^data\.path: expected a regular UTF-8 text file, got a FIFO \(named pipe\) ".*fifo"$/, skip: !haveFifo },
  { name: 'compare: a directory as corpus', args: (out) => ['compare', 'configs/text.yaml', '--set', `data.path=${dir}`, '--out', out, '-q'], line: /^data\.path: expected a regular UTF-8 text file, got a directory "/ },
  // 10⁷ steps logged every step would hold 10⁷ records (≈1 GB) per run: ⌈10⁷ / 10⁶⌉ = 10 is the smallest log_every
  { name: 'compare: 10⁷ logged steps', args: (out) => ['compare', 'configs/rosenbrock.yaml', '--steps', '10000000', '--set', 'log_every=1', '--out', out, '-q'], line: /^log_every: expected at least 10 for 10000000 steps \(a run logs at most 1000000 steps\), got 1$/ },
  { name: 'validate: 10⁹ validation batches', args: () => ['validate', 'configs/lstm.json', '--set', 'eval.batches=1000000000'], line: /^eval\.batches: expected a number ≤ 10000, got 1000000000$/ },
  { name: 'validate: a 65 MiB corpus', args: () => ['validate', 'configs/text.yaml', '--set', `data.path=${oversized}`], line: /^data\.path: expected a text file of at most 64 MiB, got 65 MiB in ".*oversized\.txt"$/ },
  // 100¹⁰ grid points × 3 seeds × 3 optimizers = 9·10²⁰ runs
  { name: 'sweep --dry-run: a 10-parameter grid of 100 values each', args: (out) => ['sweep', hugeGrid, '--dry-run', '--out', out], line: /^sweep\.params: expected a sweep of at most 100000 runs \(points × seeds × optimizers\), got 9\.0e20: 1\.0e20 grid points \((100 × ){9}100 values\) × 3 seed\(s\) × 3 optimizer\(s\)$/ },
  { name: 'sweep: the same grid', args: (out) => ['sweep', hugeGrid, '--out', out], line: /^sweep\.params: expected a sweep of at most 100000 runs/ },
  { name: 'validate: the same grid', args: () => ['validate', hugeGrid], line: /^sweep\.params: expected a sweep of at most 100000 runs/ },
  { name: 'sweep --dry-run: 10⁹ random samples', args: (out) => ['sweep', hugeRandom, '--dry-run', '--out', out], line: /^sweep\.samples: expected a sweep of at most 100000 runs \(points × seeds × optimizers\), got 1\.0e9: 1\.0e9 samples × 1 seed\(s\) × 1 optimizer\(s\)$/ },
  { name: 'sweep --dry-run: one huge point among small ones', args: (out) => ['sweep', onePointHuge, '--dry-run', '--out', out], line: /^sweep point \{"model\.hidden":\[1000000000\]\}: model\.hidden: expected a model of at most 2 GiB per run/ },
  { name: 'variance: 10⁹ paths', args: (out) => ['variance', '--samples', '1000000000', '--steps', '1000000', '--out', out], line: /^--samples: expected at most 10000000 paths \(8 bytes of state each\), got 1000000000$/ },
  { name: 'variance: 10⁵ paths × 10⁶ steps', args: (out) => ['variance', '--samples', '100000', '--steps', '1000000', '--out', out], line: /^--samples × --steps: expected at most 1\.0e10 gradient draws .*, got 100000 × 1000000 = 1\.0e11$/ },
  // β₂ = 1 − 10⁻⁷ is continued to t = ⌈10/(1−β₂)⌉ ≈ 10⁸ for Var[ψ_∞]: 10⁴ paths × 10⁸ = 10¹²
  { name: 'variance: a β₂ whose Var[ψ_∞] needs 10⁸ steps', args: (out) => ['variance', '--beta2', '0.9999999', '--steps', '10', '--out', out], line: /^--beta2: expected at most 1\.0e10 gradient draws .*, got 1\.0e12: β₂ = 0\.9999999 is simulated to t = 10000000\d for Var\[ψ_∞\] \(10000 paths\)$/ },
];

for (const [i, c] of CASES.entries()) {
  test(`${c.name}: exit 2, one line naming the field, nothing written`, { skip: c.skip ? 'mkfifo is not available' : false }, () => {
    const out = join(dir, `out-${i}`);
    const r = spawnCli(c.args(out));
    assert.equal(r.signal, null, `killed by ${r.signal} (did not finish within the timeout)`);
    assert.equal(r.code, 2, r.stderr);
    const lines = r.stderr.trimEnd().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.ok(lines[0]!.startsWith('radam-run: '), r.stderr);
    assert.match(lines[0]!.slice('radam-run: '.length), c.line);
    assert.equal(r.stdout, '');
    assert.equal(existsSync(out), false, 'no output directory');
  });
}

test('variance says how many steps it really simulates', () => {
  const out = join(dir, 'variance-out');
  const r = spawnCli(['variance', '--beta2', '0.999', '--steps', '100', '--samples', '50', '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  // ⌈10/(1 − 0.999)⌉ = 10000 steps are simulated for Var[ψ_∞], 100 are recorded
  assert.match(r.stderr, /^simulating β₂ = 0\.999: 50 paths × 10000 steps \(rows for t ≤ 100; continued to t = 10000, where β₂ᵗ < 5e-5, for Var\[ψ_∞\]\)…$/m);
});
