// `npm run bench`: how fast radam-run's kernels are, in one process run — optimizer steps against a
// memory-copy baseline, matmul at the models' shapes, training steps of the shipped configs, and the
// same work on TensorFlow.js (CPU and wasm backends) as the peer. Tables go to stdout (install notes
// and skips to stderr); the same numbers go to bench/results.json. Never run by the tests for timing.
//
//   npm run bench                      full run (about two minutes on 2 cores)
//   npm run bench -- --quick           smoke run: short batches, few samples
//   npm run bench -- --no-peers        skip TensorFlow.js (no install)
//   npm run bench -- --only optim,matmul,models,peers,compare   a subset of the sections
//   npm run bench -- --kernels js      which of our implementations to time (js, wasm)
//   npm run bench -- --json FILE       where to write the JSON (default bench/results.json)
//   npm run bench -- --configs DIR     time the configs of another directory (default configs/)
import { parseArgs } from 'node:util';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadExperiment } from '../src/config/load.js';
import { acceptedData } from '../src/config/models.js';
import type { ModelSpec } from '../src/config/models.js';
import type { DataSpec } from '../src/config/data.js';
import type { NamedOptimizer } from '../src/config/schema.js';
import { FULL, QUICK, measure, type MeasureOptions, type Timing } from './measure.js';
import { KERNELS, type Kernels, type Repeat } from './kernels.js';
import {
  DEFAULT_TRANSFORMER,
  OPTIMIZER_CASES,
  OPTIMIZER_SIZES,
  PEER_LSTM,
  PEER_MLP,
  dataDims,
  describeBatch,
  describeModel,
  flops,
  matmulShapes,
  named,
  shapeKey,
  type MatmulShape,
} from './workloads.js';
import { installPeers, loadPeers, tfAdam, tfLstm, tfMlp, usePeer, withoutTfjsNodeAdvice, type LoadedPeers, type PeerRun, type Tf } from './tfjs.js';
import { count, num, renderTable, times, type Table } from './table.js';
import { benchCompare, type CompareRow } from './compare.js';

const SECTIONS = ['optim', 'matmul', 'models', 'peers', 'compare'] as const;
type Section = (typeof SECTIONS)[number];

/** The repo root: this file runs as dist/bench/bench.js (or bench/bench.ts under a TS runner). */
const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = basename(dirname(HERE)) === 'dist' ? join(HERE, '..', '..') : join(HERE, '..');
const BENCH_DIR = join(ROOT, 'bench');

interface Options {
  quick: boolean;
  peers: boolean;
  sections: Set<Section>;
  kernels: Kernels[];
  json: string;
  configs: string;
}

const USAGE = `usage: npm run bench -- [--quick] [--no-peers] [--only ${SECTIONS.join(',')}] [--kernels ${KERNELS.map((k) => k.name).join(',')}] [--json FILE] [--configs DIR]`;

function parseOptions(argv: string[]): Options | string {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        quick: { type: 'boolean', default: false },
        'no-peers': { type: 'boolean', default: false },
        only: { type: 'string' },
        kernels: { type: 'string' },
        json: { type: 'string' },
        configs: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (err) {
    return `${(err as Error).message}\n${USAGE}`;
  }
  if (parsed.help) return USAGE;
  const sections = new Set<Section>();
  for (const s of (parsed.only ?? SECTIONS.join(',')).split(',')) {
    if (!(SECTIONS as readonly string[]).includes(s)) return `--only: expected some of ${SECTIONS.join(', ')}, got "${s}"\n${USAGE}`;
    sections.add(s as Section);
  }
  const kernels: Kernels[] = [];
  for (const name of (parsed.kernels ?? KERNELS.map((k) => k.name).join(',')).split(',')) {
    const k = KERNELS.find((x) => x.name === name);
    if (!k) return `--kernels: expected some of ${KERNELS.map((x) => x.name).join(', ')}, got "${name}"\n${USAGE}`;
    kernels.push(k);
  }
  return {
    quick: parsed.quick,
    peers: !parsed['no-peers'],
    sections,
    kernels,
    json: parsed.json ?? join(BENCH_DIR, 'results.json'),
    configs: parsed.configs ?? join(ROOT, 'configs'),
  };
}

// ---- results (the JSON file mirrors the tables) ---------------------------------------------------

interface OptimizerRow {
  optimizer: string;
  params: number;
  /** Bytes a step reads plus writes (arrays × 4n). */
  bytesPerStep: number;
  copyNsPerParam: number;
  copyGBps: number;
  /** Per implementation: ns per parameter and the time ratio to the copy (1 = memory speed). */
  ours: Record<string, { nsPerParam: number; timeRatioToCopy: number; timing: Timing }>;
}

/** A matmul shape of a model, as measured (workloads.ts's MatmulShape with its calls per step). */
interface MatmulRow extends Omit<MatmulShape, 'calls'> {
  model: string;
  callsPerStep: number;
  ours: Record<string, { gflops: number; msPerStep: number }>;
}

interface MatmulModel {
  model: string;
  /** Matmul FLOP of one training step. */
  mflopPerStep: number;
  ours: Record<string, { gflops: number; msPerStep: number }>;
}

interface ModelRow {
  config: string;
  model: string;
  batch: string;
  params: number;
  optimizer: string;
  /** matmulShare: the step's matmul calls timed on their own, right after the step, ÷ the step's time. */
  ours: Record<string, { stepsPerSecond: number; msPerStep: number; matmulShare: number; lastLoss: number }>;
}

interface PeerRow {
  workload: string;
  /** Seconds per step. */
  ours: Record<string, number>;
  peers: Record<string, number>;
  /** Key "js vs tfjs-cpu": peer time ÷ our time (= our steps/s ÷ peer steps/s; > 1: ours faster). */
  speedup: Record<string, number>;
}

interface TargetRow {
  issue: number;
  target: string;
  kernels: string;
  value: number;
  goal: number;
  unit: string;
  met: boolean;
  /** The goal is an upper bound (value ≤ goal), e.g. a time ratio; else a lower bound. */
  atMost?: boolean;
}

interface Results {
  meta: Record<string, unknown>;
  optimizers: OptimizerRow[];
  matmul: MatmulRow[];
  matmulModels: MatmulModel[];
  models: ModelRow[];
  peers: PeerRow[];
  compare: CompareRow[];
  targets: TargetRow[];
  notes: string[];
}

// ---- the run --------------------------------------------------------------------------------

async function main(argv: string[]): Promise<number> {
  const opts = parseOptions(argv);
  if (typeof opts === 'string') {
    const isHelp = opts === USAGE;
    (isHelp ? console.log : console.error)(opts);
    return isHelp ? 0 : 2;
  }
  const mo = opts.quick ? QUICK : FULL;
  const cpus = os.cpus();
  const results: Results = {
    meta: {
      date: new Date().toISOString(),
      node: process.version,
      v8: process.versions.v8,
      platform: `${process.platform} ${process.arch}`,
      cpu: cpus[0]?.model.trim() ?? 'unknown',
      cores: cpus.length,
      quick: opts.quick,
      kernels: opts.kernels.map((k) => k.name),
      measure: mo,
      loadAverageStart: os.loadavg()[0],
    },
    optimizers: [],
    matmul: [],
    matmulModels: [],
    models: [],
    peers: [],
    compare: [],
    targets: [],
    notes: [],
  };

  console.log(`# radam-run bench${opts.quick ? ' (--quick)' : ''}`);
  console.log('');
  console.log(`${results.meta.date} · node ${process.version} · ${results.meta.cpu} × ${cpus.length} · ${results.meta.platform}`);
  console.log(
    `each number: median of ${mo.samples} timed batches of ≥ ${mo.sampleMs} ms after ≥ ${mo.warmupMs} ms of warm-up; one thing at a time, one process`,
  );
  console.log(`load average ${num(os.loadavg()[0])} at start (other processes share the cores: compare ratios within one run)`);
  console.log(`ours: ${opts.kernels.map((k) => k.name).join(', ')}`);

  // Install the peers (if missing) before timing anything; load them only when their turn comes.
  let peersUnavailable: string | undefined;
  if (opts.sections.has('peers')) {
    peersUnavailable = opts.peers ? installPeers(BENCH_DIR, (line) => console.error(line)) : 'TensorFlow.js peers skipped (--no-peers)';
    console.log(`peer: ${peersUnavailable ?? 'TensorFlow.js (bench/node_modules), CPU and wasm backends'}`);
  }
  console.log('');

  const print = (t: Table): void => console.log(renderTable(t));
  const configs = opts.sections.has('matmul') || opts.sections.has('models') ? findConfigs(opts.configs, results.notes) : [];

  if (opts.sections.has('optim')) print(benchOptimizers(opts.kernels, mo, results));
  const matmulModels = matmulCases(configs);
  if (opts.sections.has('matmul')) print(benchMatmul(opts.kernels, mo, matmulModels, results));
  if (opts.sections.has('models')) print(benchModels(opts.kernels, mo, configs, results));
  if (opts.sections.has('peers')) {
    const loaded: LoadedPeers =
      peersUnavailable === undefined ? await loadPeers(BENCH_DIR) : { tf: null, peers: [], skipped: [peersUnavailable], version: undefined };
    results.meta.peers = loaded.peers.map((p) => ({ ...p, version: loaded.version }));
    print(await benchPeers(opts.kernels, mo, loaded, results));
    results.meta.peersSkipped = loaded.skipped;
  }

  if (opts.sections.has('compare')) {
    // The full config takes minutes under the js kernels; --quick times its first 100 steps.
    const c = benchCompare(ROOT, join(opts.configs, 'lstm.json'), opts.kernels, opts.quick ? 100 : undefined, results.notes);
    if (c.row) {
      results.compare.push(c.row);
      print(c.table);
    }
  }

  results.targets = targets(opts.kernels, results);
  if (results.targets.length > 0) print(targetTable(results.targets));
  results.meta.loadAverageEnd = os.loadavg()[0];
  results.notes.push(`load average ${num(os.loadavg()[0])} at the end`);
  for (const note of results.notes) console.log(note);

  mkdirSync(dirname(opts.json), { recursive: true });
  writeFileSync(opts.json, JSON.stringify(results, null, 2) + '\n');
  console.log(`results: ${relative(process.cwd(), opts.json) || opts.json}`);
  return 0;
}

// ---- 1. optimizer steps against the memory baseline ------------------------------------------------

function benchOptimizers(kernels: Kernels[], mo: MeasureOptions, results: Results): Table {
  const copies = new Map<string, Timing>();
  const rows: string[][] = [];
  for (const n of OPTIMIZER_SIZES) {
    for (const c of OPTIMIZER_CASES) {
      const key = `${c.arrays}/${n}`;
      let copy = copies.get(key);
      if (!copy) {
        copy = measure(copyRepeat(Math.round((c.arrays * n) / 2)), mo);
        copies.set(key, copy);
      }
      const bytes = c.arrays * 4 * n;
      const row: OptimizerRow = {
        optimizer: c.label,
        params: n,
        bytesPerStep: bytes,
        copyNsPerParam: (copy.median / n) * 1e9,
        copyGBps: bytes / copy.median / 1e9,
        ours: {},
      };
      for (const k of kernels) {
        const t = measure(k.optimizerSteps(c.spec, n, c.firstStep), mo);
        row.ours[k.name] = { nsPerParam: (t.median / n) * 1e9, timeRatioToCopy: t.median / copy.median, timing: t };
      }
      results.optimizers.push(row);
      rows.push([
        c.label,
        count(n),
        num(bytes / 1e6),
        num(row.copyGBps),
        num(row.copyNsPerParam),
        ...kernels.flatMap((k) => [num(row.ours[k.name]!.nsPerParam), times(row.ours[k.name]!.timeRatioToCopy)]),
      ]);
    }
  }
  return {
    title: 'Optimizer step: ns per parameter, against copying the same bytes',
    columns: ['<optimizer', 'params', 'MB/step', 'copy GB/s', 'copy ns/param', ...kernels.flatMap((k) => [`${k.name} ns/param`, `${k.name}/copy`])],
    rows,
    notes: [
      'MB/step: bytes one step reads plus writes (Adam/AdamW/RAdam read θ, g, m, v and write θ, m, v: 7 × 4n; SGD with momentum 5 × 4n).',
      'copy: dst.set(src) of half as many floats (each copied float is one read and one write), timed the same way: the speed of',
      '  whichever cache level or DRAM holds the bytes (10⁶ parameters: 20–28 MB per step).',
      `${kernels.map((k) => `${k.name}/copy`).join(', ')}: time ratio, 1× = memory speed. RAdam is timed at steps ≥ 100 (rectified, ρ_t > 5).`,
    ],
  };
}

function copyRepeat(floats: number): Repeat {
  const src = new Float32Array(floats);
  const dst = new Float32Array(floats);
  for (let i = 0; i < floats; i++) src[i] = i;
  return (iterations) => {
    for (let i = 0; i < iterations; i++) dst.set(src);
  };
}

// ---- 2. matmul at the models' shapes ------------------------------------------------------------

interface MatmulCase {
  label: string;
  shapes: MatmulShape[];
}

/** The peer models, every shipped neural config's model, and the default transformer if none ships. */
function matmulCases(configs: ConfigCase[]): MatmulCase[] {
  const cases: MatmulCase[] = [
    { label: PEER_MLP.label, shapes: matmulShapes(PEER_MLP.model, PEER_MLP.data) },
    { label: PEER_LSTM.label, shapes: matmulShapes(PEER_LSTM.model, PEER_LSTM.data) },
  ];
  for (const c of configs) {
    const shapes = matmulShapes(c.model, c.data, c.vocab);
    const same = cases.find((x) => signature(x.shapes) === signature(shapes));
    if (same) same.label += ` = ${c.name}`;
    else cases.push({ label: `${c.name}: ${describeModel(c.model, c.data)}, ${describeBatch(c.data)}`, shapes });
  }
  if (!configs.some((c) => c.model.kind === 'transformer')) {
    cases.push({
      label: `${DEFAULT_TRANSFORMER.label}: ${describeModel(DEFAULT_TRANSFORMER.model, DEFAULT_TRANSFORMER.data)}, ${describeBatch(DEFAULT_TRANSFORMER.data)}`,
      shapes: matmulShapes(DEFAULT_TRANSFORMER.model, DEFAULT_TRANSFORMER.data),
    });
  }
  return cases;
}

function signature(shapes: MatmulShape[]): string {
  return shapes.map((s) => `${shapeKey(s)}*${s.calls}`).join(' ');
}

function benchMatmul(kernels: Kernels[], mo: MeasureOptions, cases: MatmulCase[], results: Results): Table {
  const timed = new Map<string, Map<string, number>>(); // shape key → kernels name → seconds per call
  const rows: string[][] = [];
  for (const c of cases) {
    const total: Record<string, number> = {};
    let totalFlops = 0;
    const rowsBefore = rows.length;
    for (const s of c.shapes) {
      if (s.calls === 0) continue;
      const key = shapeKey(s);
      let perKernels = timed.get(key);
      if (!perKernels) {
        perKernels = new Map();
        for (const k of kernels) perKernels.set(k.name, measure(k.matmulCalls(s), mo).median);
        timed.set(key, perKernels);
      }
      const row: MatmulRow = {
        model: c.label,
        op: s.op,
        M: s.M,
        N: s.N,
        K: s.K,
        transA: s.transA,
        transB: s.transB,
        accumulate: s.accumulate,
        callsPerStep: s.calls,
        ours: {},
      };
      totalFlops += s.calls * flops(s);
      for (const k of kernels) {
        const sec = perKernels.get(k.name)!;
        row.ours[k.name] = { gflops: flops(s) / sec / 1e9, msPerStep: s.calls * sec * 1e3 };
        total[k.name] = (total[k.name] ?? 0) + s.calls * sec;
      }
      results.matmul.push(row);
      const first = rows.length === rowsBefore;
      rows.push([
        first ? shortModel(c.label) : '',
        s.op,
        `${s.M}×${s.N}×${s.K}`,
        `${s.transA ? 'Aᵀ' : 'A'}·${s.transB ? 'Bᵀ' : 'B'}${s.accumulate ? ' +=' : ''}`,
        String(s.calls),
        ...kernels.flatMap((k) => [num(row.ours[k.name]!.gflops), num(row.ours[k.name]!.msPerStep)]),
      ]);
    }
    const summary: MatmulModel = { model: c.label, mflopPerStep: totalFlops / 1e6, ours: {} };
    for (const k of kernels) summary.ours[k.name] = { gflops: totalFlops / total[k.name]! / 1e9, msPerStep: total[k.name]! * 1e3 };
    results.matmulModels.push(summary);
    rows.push([
      '',
      `all matmuls of one step (${num(summary.mflopPerStep)} MFLOP)`,
      '',
      '',
      '',
      ...kernels.flatMap((k) => [num(summary.ours[k.name]!.gflops), num(summary.ours[k.name]!.msPerStep)]),
    ]);
  }
  return {
    title: 'matmul: GFLOP/s at the shapes the models use',
    columns: ['<model', '<op', 'M×N×K', '<C (+)=', 'calls/step', ...kernels.flatMap((k) => [`${k.name} GFLOP/s`, `${k.name} ms/step`])],
    rows,
    notes: [
      'C[M×N] (+)= op(A)[M×K]·op(B)[K×N] as src/nn/matmul.ts is called by src/nn/{linear,lstm,attention}.ts; GFLOP/s = 2MNK / time.',
      'ms/step: calls per training step × time per call; the last row of each model is its whole matmul work (flop-weighted GFLOP/s).',
      `models: ${cases.map((c) => c.label).join('; ')}.`,
    ],
  };
}

/** First words of a model label, for the table's model column. */
function shortModel(label: string): string {
  return label.split(/[,:]/)[0]!;
}

// ---- 3. training steps of the shipped configs ---------------------------------------------------------

interface ConfigCase {
  /** e.g. "configs/lstm.json" */
  name: string;
  model: ModelSpec;
  data: DataSpec;
  optimizer: NamedOptimizer;
  seed: number;
  /** Vocabulary size for text-file data (known only once the file is read). */
  vocab: number | undefined;
}

/** Neural-model configs in configs/ (analytic ones have nothing to time here). */
function findConfigs(dir: string, notes: string[]): ConfigCase[] {
  if (!existsSync(dir)) return [];
  const rel = relative(ROOT, dir);
  const prefix = rel === '' ? '.' : rel.startsWith('..') ? dir : rel;
  const cases: ConfigCase[] = [];
  const analytic: string[] = [];
  for (const file of readdirSync(dir).filter((f) => /\.(json|ya?ml)$/.test(f)).sort()) {
    const name = `${prefix}/${file}`;
    try {
      const { experiment } = loadExperiment(join(dir, file));
      if (acceptedData(experiment.model.kind).length === 0 || !experiment.data) {
        analytic.push(name);
        continue;
      }
      const c: ConfigCase = {
        name,
        model: experiment.model,
        data: experiment.data,
        optimizer: experiment.optimizers[0]!,
        seed: experiment.seeds[0]!,
        vocab: undefined,
      };
      if (c.data.kind === 'text-file') c.vocab = vocabOf(c);
      cases.push(c);
    } catch (err) {
      notes.push(`${name}: not timed (${(err as Error).message.split('\n')[0]})`);
    }
  }
  if (analytic.length > 0) notes.push(`analytic configs are not timed: ${analytic.join(', ')}`);
  return cases;
}

function benchModels(kernels: Kernels[], mo: MeasureOptions, configs: ConfigCase[], results: Results): Table {
  const rows: string[][] = [];
  const notes: string[] = [];
  for (const c of configs) {
    const row: ModelRow = {
      config: c.name,
      model: describeModel(c.model, c.data),
      batch: describeBatch(c.data),
      params: 0,
      optimizer: c.optimizer.name,
      ours: {},
    };
    try {
      for (const k of kernels) {
        const run = k.trainingSteps(c.model, c.data, c.optimizer, c.seed);
        row.params = run.params;
        const t = measure(run.run, mo);
        const matmul = measure(matmulWork(k, c), mo).median * 1e3;
        row.ours[k.name] = {
          stepsPerSecond: 1 / t.median,
          msPerStep: t.median * 1e3,
          matmulShare: matmul / (t.median * 1e3),
          lastLoss: run.lastLoss(),
        };
        if (!Number.isFinite(run.lastLoss())) notes.push(`${c.name} (${k.name}): the loss went non-finite while timing`);
      }
    } catch (err) {
      notes.push(`${c.name}: not timed (${(err as Error).message.split('\n')[0]})`);
      continue;
    }
    results.models.push(row);
    rows.push([
      c.name,
      row.model,
      row.batch,
      row.params.toLocaleString('en-US'),
      row.optimizer,
      ...kernels.flatMap((k) => {
        const o = row.ours[k.name]!;
        return [num(o.stepsPerSecond), num(o.msPerStep), `${Math.round(o.matmulShare * 100)}%`];
      }),
    ]);
  }
  if (configs.length === 0) notes.push('no shipped config with a neural model in configs/ yet');
  return {
    title: 'Training steps per second of the shipped configs',
    columns: ['<config', '<model', '<batch', 'params', '<optimizer', ...kernels.flatMap((k) => [`${k.name} steps/s`, `${k.name} ms/step`, `${k.name} matmul`])],
    rows,
    notes: [
      'one step = the train loop\'s work: next batch from the dataset, forward, backward, optimizer step (the config\'s first optimizer and seed).',
      'matmul: estimated share of the step in matmul: the step\'s matmul calls (shapes × counts as in the matmul table) timed on',
      '  their own right after the step, ÷ the step time: an estimate (cache state differs from inside the model).',
      ...notes,
    ],
  };
}

/** A text file's vocabulary, read off the built model's head (V × hidden); undefined if it cannot be built. */
function vocabOf(c: ConfigCase): number | undefined {
  try {
    return KERNELS[0]!.trainingSteps(c.model, c.data, c.optimizer, c.seed).views.find((v) => v.name === 'head.w')?.shape[0];
  } catch {
    return undefined;
  }
}

/**
 * The matmul calls of one training step of `c` replayed on their own (same shapes, same counts), so
 * that timing it right after the step gives the step's matmul share under the same machine load.
 */
function matmulWork(k: Kernels, c: ConfigCase): Repeat {
  const shapes = matmulShapes(c.model, c.data, c.vocab).filter((s) => s.calls > 0);
  const calls = shapes.map((s) => ({ run: k.matmulCalls(s), times: s.calls }));
  return (iterations) => {
    for (let i = 0; i < iterations; i++) for (const x of calls) x.run(x.times);
  };
}

// ---- 4. the peer: TensorFlow.js ---------------------------------------------------------------------

interface PeerWorkload {
  label: string;
  ours(k: Kernels): Repeat;
  peer(tf: Tf): PeerRun;
}

function peerWorkloads(): PeerWorkload[] {
  const adam = named({ kind: 'adam', lr: 1e-3 });
  const mlp = dataDims(PEER_MLP.data);
  const lstm = dataDims(PEER_LSTM.data);
  const lstmModel = PEER_LSTM.model as Extract<ModelSpec, { kind: 'lstm' }>;
  const mlpHidden = (PEER_MLP.model as Extract<ModelSpec, { kind: 'mlp' }>).hidden[0]!;
  return [
    {
      label: 'adam step, 10⁶ params',
      ours: (k) => k.optimizerSteps(adam, 1e6, 100),
      peer: (tf) => tfAdam(tf, 1e6),
    },
    {
      label: `${PEER_MLP.label}, adam`,
      ours: (k) => k.trainingSteps(PEER_MLP.model, PEER_MLP.data, adam, 0).run,
      peer: (tf) => tfMlp(tf, { batch: mlp.batch, widths: [mlp.inputs, mlpHidden, mlp.outputs] }),
    },
    {
      label: `${PEER_LSTM.label}, adam`,
      ours: (k) => k.trainingSteps(PEER_LSTM.model, PEER_LSTM.data, adam, 0).run,
      peer: (tf) =>
        tfLstm(tf, { vocab: lstm.inputs, embed: lstmModel.embed, hidden: lstmModel.hidden, seqLen: lstm.seqLen, batch: lstm.batch }),
    },
  ];
}

async function benchPeers(kernels: Kernels[], mo: MeasureOptions, loaded: LoadedPeers, results: Results): Promise<Table> {
  const workloads = peerWorkloads();
  const rows: PeerRow[] = workloads.map((w) => ({ workload: w.label, ours: {}, peers: {}, speedup: {} }));
  workloads.forEach((w, i) => {
    for (const k of kernels) rows[i]!.ours[k.name] = measure(w.ours(k), mo).median;
  });
  const { tf, peers } = loaded;
  if (tf) {
    await withoutTfjsNodeAdvice(async () => {
      for (const peer of peers) {
        await usePeer(tf, peer);
        for (let i = 0; i < workloads.length; i++) {
          let run: PeerRun | undefined;
          try {
            run = workloads[i]!.peer(tf);
            rows[i]!.peers[peer.name] = measure(run.run, mo).median;
          } catch (err) {
            loaded.skipped.push(`${peer.name}, ${workloads[i]!.label}: failed (${(err as Error).message.split('\n')[0]})`);
          } finally {
            run?.dispose();
          }
        }
      }
    });
  }
  for (const row of rows) {
    for (const k of kernels) {
      for (const peer of peers) {
        const theirs = row.peers[peer.name];
        if (theirs !== undefined) row.speedup[`${k.name} vs ${peer.name}`] = theirs / row.ours[k.name]!;
      }
    }
  }
  results.peers = rows;
  const pairs = kernels.flatMap((k) => peers.map((p) => `${k.name} vs ${p.name}`));
  return {
    title: `Against TensorFlow.js${loaded.version ? ` ${loaded.version}` : ''}: ms per step (same work, same process)`,
    columns: ['<workload', ...kernels.map((k) => `${k.name} ms`), ...peers.map((p) => `${p.name} ms`), ...pairs.map((p) => `speedup ${p}`)],
    rows: rows.map((r) => [
      r.workload,
      ...kernels.map((k) => num(r.ours[k.name]! * 1e3)),
      ...peers.map((p) => num(r.peers[p.name] === undefined ? undefined : r.peers[p.name]! * 1e3)),
      ...pairs.map((p) => times(r.speedup[p])),
    ]),
    notes: [
      ...loaded.peers.map((p) => `${p.name}: the ${p.backend} backend (${p.detail}).`),
      'speedup = peer time ÷ our time (= our steps/s ÷ peer steps/s): 10× means ours does the step 10 times faster.',
      'adam: one step on 10⁶ parameters (so ms/step = ns/param); peer: tf.train.adam applyGradients on one tf.variable.',
      'models: one Adam training step. Ours draws its batch from the dataset each step; the peer feeds a fixed batch from typed arrays',
      '  and runs the same graph in tf ops (the LSTM as ours: one input matMul for all steps, then per step h·W_hh and the gates) via',
      '  optimizer.minimize, reading the loss back each step. Single thread everywhere (the wasm backend runs one thread in Node).',
      ...loaded.skipped,
    ],
  };
}

// ---- targets ----------------------------------------------------------------------------------------

/** The performance targets of the issues, checked on this run's numbers. */
function targets(kernels: Kernels[], results: Results): TargetRow[] {
  const out: TargetRow[] = [];
  for (const k of kernels) {
    const models = results.matmulModels.filter((m) => m.ours[k.name]);
    if (models.length > 0) {
      const worst = Math.min(...models.map((m) => m.ours[k.name]!.gflops));
      out.push({ issue: 3, target: "matmul at the models' shapes (lowest model, flop-weighted)", kernels: k.name, value: worst, goal: 3, unit: 'GFLOP/s', met: worst >= 3 });
    }
    const lstm = results.peers.find((r) => r.workload.startsWith(PEER_LSTM.label))?.speedup[`${k.name} vs tfjs-cpu`];
    if (lstm !== undefined) out.push({ issue: 3, target: 'char LSTM step vs TensorFlow.js CPU', kernels: k.name, value: lstm, goal: 10, unit: '× faster', met: lstm >= 10 });
    const mlp = results.peers.find((r) => r.workload.startsWith(PEER_MLP.label))?.speedup[`${k.name} vs tfjs-wasm`];
    if (mlp !== undefined) out.push({ issue: 3, target: 'MLP step vs TensorFlow.js wasm', kernels: k.name, value: mlp, goal: 1, unit: '× faster', met: mlp >= 1 });
  }
  if (kernels.some((k) => k.name === 'wasm')) out.push(...wasmTargets(results));
  return out;
}

/** Issue 6: the WebAssembly SIMD kernels, against the memory baseline, the js kernels and the peers. */
function wasmTargets(results: Results): TargetRow[] {
  const out: TargetRow[] = [];
  const atLeast = (target: string, value: number | undefined, goal: number, unit = '× faster'): void => {
    if (value !== undefined && Number.isFinite(value)) out.push({ issue: 6, target, kernels: 'wasm', value, goal, unit, met: value >= goal });
  };
  for (const row of results.optimizers.filter((r) => r.params === 1e6 && r.ours['wasm'])) {
    const ratio = row.ours['wasm']!.timeRatioToCopy;
    out.push({ issue: 6, target: `${row.optimizer} step, 10⁶ params, vs copying its bytes`, kernels: 'wasm', value: ratio, goal: 1.5, unit: '× copy time', met: ratio <= 1.5, atMost: true });
  }
  const peer = (prefix: string, key: string): number | undefined => results.peers.find((r) => r.workload.startsWith(prefix))?.speedup[key];
  atLeast('adam step, 10⁶ params, vs TensorFlow.js wasm', peer('adam step', 'wasm vs tfjs-wasm'), 5);
  const matmul = results.matmulModels.filter((m) => m.ours['wasm'] && m.ours['js']).map((m) => m.ours['wasm']!.gflops / m.ours['js']!.gflops);
  if (matmul.length > 0) atLeast("matmul at the models' shapes vs the js kernel (lowest model)", Math.min(...matmul), 3);
  atLeast('MLP 64-128-10 step vs TensorFlow.js wasm', peer(PEER_MLP.label, 'wasm vs tfjs-wasm'), 2);
  atLeast('char LSTM step vs TensorFlow.js CPU', peer(PEER_LSTM.label, 'wasm vs tfjs-cpu'), 20);
  for (const c of results.compare) {
    const [js, wasm] = [c.seconds['js'], c.seconds['wasm']];
    if (js !== undefined && wasm !== undefined) atLeast(`compare ${c.config}${c.steps ? ` (${c.steps} steps)` : ''} wall time, js ÷ wasm`, js / wasm, 2, '× shorter');
  }
  return out;
}

function targetTable(rows: TargetRow[]): Table {
  return {
    title: 'Targets',
    columns: ['issue', '<target', '<ours', 'measured', 'goal', '<'],
    rows: rows.map((r) => [`#${r.issue}`, r.target, r.kernels, `${num(r.value)} ${r.unit}`, `${r.atMost ? '≤' : '≥'} ${r.goal}`, r.met ? 'met' : 'MISSED']),
  };
}

// Only the entry point exits.
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
    process.exitCode = 1;
  },
);
