// Section `torch` of `npm run bench`: ms per Adam training step of realistic and shipped models on our
// kernels, on PyTorch (CPU, one thread; bench/torch-peer.ts runs bench/torch_peer.py) and on TensorFlow.js's
// wasm backend (bench/tfjs.ts, where a TF.js version of the model is written), side by side in one run.
// On a shared machine a single pair of timings can be off by a third, so each workload is timed in
// `rounds` alternating rounds (PyTorch, ours, ours threaded, PyTorch threaded, then again): each round
// gives ratios of timings taken seconds apart, and the tables report the median of those ratios with
// their range. A timing here is the fastest of its timed batches: load from other processes only ever
// adds time, so the fastest batch is the least disturbed measure of each side (both sides alike).
import { basename } from 'node:path';
import { ModelSpec } from '../src/config/models.js';
import { DataSpec } from '../src/config/data.js';
import type { NamedOptimizer } from '../src/config/schema.js';
import { planCompare } from '../src/run/plan.js';
import type { RunSpec } from '../src/train/train.js';
import type { KernelSet } from '../src/wasm/kernels.js';
import { findConfigs } from './configs.js';
import { measure, medianOf, type MeasureOptions } from './measure.js';
import { benchRunSpec, trainingSteps, type TrainingRun } from './ours.js';
import { num, times, type Table } from './table.js';
import { findTorchPython, runTorchPeer, torchWorkload, type TorchReport, type TorchWorkload } from './torch-peer.js';
import { tfLstm, tfMlp, usePeer, withoutTfjsNodeAdvice, type PeerRun, type Peer, type Tf } from './tfjs.js';
import { dataDims, describeBatch, describeModel, flops, matmulShapes, named } from './workloads.js';

/** The shipped configs timed against PyTorch (by file name), in table order. */
export const TORCH_CONFIGS = ['fmnist-2c2d.yaml', 'fmnist-mlp.yaml', 'lstm.json', 'mlp.yaml', 'transformer.yaml'];

/** Issue #13's char LSTM at a realistic size, a fixed workload (no config ships it). */
export const CHAR_LSTM_H256 = {
  key: 'char-lstm-h256',
  label: 'char LSTM E64 H256 V64 (#13)',
  model: ModelSpec.parse({ kind: 'lstm', embed: 64, hidden: 256, layers: 1 }),
  data: DataSpec.parse({ kind: 'markov-text', vocab: 64, order: 1, seq_len: 64, batch: 32 }),
};

/** One workload of the section: our runs of it (one per kernel set) and its PyTorch description. */
export interface TorchCase {
  /** The config's file name without extension, or CHAR_LSTM_H256.key: what the targets look rows up by. */
  key: string;
  label: string;
  model: ModelSpec;
  data: DataSpec;
  workload: TorchWorkload;
  /** Our run of the workload: the config's Adam run (its first optimizer of kind adam), under `kernels`. */
  spec(kernels: KernelSet): RunSpec;
  /** The text-file vocabulary, when the data has one. */
  vocab?: number;
  /** The same network and step in TensorFlow.js, where one is written (mlp, linear, one-layer lstm). */
  tfjs: ((tf: Tf) => PeerRun) | undefined;
}

export interface TorchRow {
  key: string;
  workload: string;
  model: string;
  batch: string;
  params: { ours: number; torch?: number };
  /** Matmul (and convolution) FLOP of one training step, as bench/workloads.ts tabulates them: the same work on every side. */
  flopPerStep: number;
  /** Seconds per step. */
  ours: Record<string, number>;
  torch?: number;
  /** By kernel set: PyTorch's time ÷ ours (> 1: ours is faster), the median of the rounds' ratios. */
  speedup: Record<string, number>;
  /** By kernel set: the lowest and highest of the rounds' ratios. */
  speedupRange: Record<string, [number, number]>;
  /** Alternating rounds timed (each time in `ours`, `torch` and `threaded` is the median over them of each round's fastest batch). */
  rounds: number;
  /**
   * One run on several threads (wasm --threads, PyTorch set_num_threads): seconds per step on each side,
   * and our one-thread time ÷ our threaded time, the median of the rounds' ratios and their range.
   */
  threaded?: { threads: number; wasm?: number; torch?: number; speedup?: number; speedupRange?: [number, number] };
  /** Seconds per step on TensorFlow.js's wasm backend, and its time ÷ ours by kernel set. */
  tfjs?: number;
  tfjsSpeedup?: Record<string, number>;
}

/** A TF.js version of the model: the MLP (or linear model) on vector data, the one-layer LSTM on tokens; else undefined. */
export function tfjsWorkload(model: ModelSpec, data: DataSpec, vocab?: number): ((tf: Tf) => PeerRun) | undefined {
  const d = dataDims(data, vocab);
  if (d.seqLen === 1 && (model.kind === 'mlp' || model.kind === 'linear')) {
    const hidden = model.kind === 'mlp' ? model.hidden : [];
    const activation = model.kind === 'mlp' ? model.activation : 'relu';
    if (activation === 'gelu') return undefined;
    return (tf) => tfMlp(tf, { batch: d.batch, widths: [d.inputs, ...hidden, d.outputs], activation });
  }
  if (model.kind === 'lstm' && model.layers === 1) {
    return (tf) => tfLstm(tf, { vocab: d.inputs, embed: model.embed, hidden: model.hidden, seqLen: d.seqLen, batch: d.batch });
  }
  return undefined;
}

/** The section's workloads: TORCH_CONFIGS found in `dir`, then CHAR_LSTM_H256; what cannot be described goes to `notes`. */
export function torchCases(dir: string, notes: string[]): TorchCase[] {
  const found = findConfigs(dir, []);
  const cases: TorchCase[] = [];
  for (const file of TORCH_CONFIGS) {
    const c = found.find((x) => basename(x.name) === file);
    if (c === undefined) {
      notes.push(`${file}: not in ${dir} (or not loadable): not timed`);
      continue;
    }
    const adamRun = (k: KernelSet): RunSpec => {
      const runs = planCompare(c.experiment, { kernels: k });
      return runs.find((r) => r.optimizer.kind === 'adam') ?? { ...runs[0]!, optimizer: named({ kind: 'adam', lr: 1e-3 }) };
    };
    try {
      const workload = torchWorkload(c.name, c.model, c.data, adamRun('js').optimizer, c.vocab);
      const tfjs = tfjsWorkload(c.model, c.data, c.vocab);
      cases.push({ key: file.replace(/\.\w+$/, ''), label: c.name, model: c.model, data: c.data, vocab: c.vocab, workload, spec: adamRun, tfjs });
    } catch (err) {
      notes.push(`${c.name}: not timed (${(err as Error).message})`);
    }
  }
  const { key, label, model, data } = CHAR_LSTM_H256;
  const adam = named({ kind: 'adam', lr: 1e-3 });
  cases.push({ key, label, model, data, workload: torchWorkload(label, model, data, adam), spec: (k) => benchRunSpec(model, data, adam, k), tfjs: tfjsWorkload(model, data) });
  return cases;
}

/** Fashion-MNIST-sized steps take seconds under the js kernels: time them on wasm only when wasm is timed too. */
function kernelsFor(c: TorchCase, kernels: KernelSet[]): KernelSet[] {
  const images = c.data.kind === 'fashion-mnist' || c.data.kind === 'mnist';
  return images && kernels.includes('wasm') ? kernels.filter((k) => k !== 'js') : kernels;
}

/** TensorFlow.js with its wasm backend made current, for the section's third column; or why there is none. */
export type TfjsWasm = { tf: Tf; peer: Peer } | { missing: string };

/**
 * Time each workload in `rounds` alternating rounds: our kernel sets (and our run on `threads` threads),
 * then PyTorch right after (one python process per timing, on 1 and on `threads` threads), so both sides
 * of each round's ratio see the same machine load; then TF.js wasm once, where a TF.js model is written.
 * Without torch: no table, the line saying how to get it.
 */
export async function benchTorch(
  kernels: KernelSet[], mo: MeasureOptions, configsDir: string, benchDir: string, tfjs: TfjsWasm, threads: number, rounds = 1,
): Promise<{ rows: TorchRow[]; tables: (Table | string)[]; meta: Record<string, unknown> }> {
  const notes: string[] = [];
  const found = findTorchPython();
  if ('missing' in found) return { rows: [], tables: [`${found.missing}\n`], meta: { skipped: found.missing } };
  if ('tf' in tfjs) await usePeer(tfjs.tf, tfjs.peer);
  else notes.push(`TF.js wasm column empty: ${tfjs.missing}`);
  const rows: TorchRow[] = [];
  let report: TorchReport | undefined;
  const jsSkipped: string[] = [];
  const peer: TorchPeer = { python: found.python, benchDir, mo };
  for (const c of torchCases(configsDir, notes)) {
    const ks = kernelsFor(c, kernels);
    const row = newRow(c, rounds);
    const runs = buildOurRuns(c, ks, kernels.includes('wasm') ? threads : 1, row, notes);
    if (runs === undefined) continue;
    if (!ks.includes('js') && kernels.includes('js')) jsSkipped.push(c.label);
    try {
      report = timeRounds(peer, c, runs, row, notes) ?? report;
    } finally {
      for (const steps of [...runs.byKernels.values(), runs.threaded]) steps?.dispose();
    }
    if ('tf' in tfjs && c.tfjs !== undefined) await tfjsSide(tfjs.tf, c, row, mo, notes);
    rows.push(row);
  }
  if (jsSkipped.length > 0) notes.push(`js kernels not timed on ${jsSkipped.join(', ')} (seconds per step; --kernels js times them)`);
  const unwritten = rows.filter((r) => r.tfjs === undefined).map((r) => r.workload);
  if ('tf' in tfjs && unwritten.length > 0) notes.push(`TF.js wasm: no TF.js version written of ${unwritten.join(', ')} (cnn, transformer).`);
  const meta = { python: found.python, torch: report?.torch, threads: report?.threads, blas: report?.blas, tfjs: 'tf' in tfjs ? tfjs.peer : tfjs.missing, rounds };
  const tables: Table[] = [torchTable(rows, kernels, report, notes)];
  if (rows.some((r) => r.threaded)) tables.push(threadedTable(rows, threads));
  return { rows, tables, meta };
}

/** Where and how the PyTorch side is timed. */
interface TorchPeer {
  python: string;
  benchDir: string;
  mo: MeasureOptions;
}

/** Our runs of one workload, built once and timed in every round: one per kernel set, and the threaded wasm run. */
interface OurRuns {
  byKernels: Map<KernelSet, TrainingRun>;
  /** Issue #13's one run on all cores: the wasm run with RunSpec.threads = threads (as `--threads` sets it). */
  threaded: TrainingRun | undefined;
  /** Its thread count. */
  threads: number;
}

function newRow(c: TorchCase, rounds: number): TorchRow {
  const flopPerStep = matmulShapes(c.model, c.data, c.vocab).reduce((sum, s) => sum + flops(s) * s.calls, 0);
  return { key: c.key, workload: c.label, model: describeModel(c.model, c.data), batch: describeBatch(c.data), params: { ours: 0 }, flopPerStep, ours: {}, speedup: {}, speedupRange: {}, rounds };
}

/** Our steps of `c` under each kernel set (and threaded), as train() runs them; undefined (and a note) if the run cannot be built, e.g. its data files are missing. */
function buildOurRuns(c: TorchCase, kernels: KernelSet[], threads: number, row: TorchRow, notes: string[]): OurRuns | undefined {
  const runs: OurRuns = { byKernels: new Map(), threaded: undefined, threads };
  try {
    for (const k of kernels) {
      const steps = trainingSteps(c.spec(k));
      runs.byKernels.set(k, steps);
      row.params.ours = steps.built.task.params.data.length;
    }
    if (threads > 1 && runs.byKernels.has('wasm')) runs.threaded = trainingSteps({ ...c.spec('wasm'), threads });
    return runs;
  } catch (err) {
    for (const steps of runs.byKernels.values()) steps.dispose();
    notes.push(`${c.label}: skipped (${(err as Error).message.split('\n')[0]})`);
    return undefined;
  }
}

/** Seconds per step of each side in each round (NaN where PyTorch failed). */
export interface RoundTimes {
  ours: Map<KernelSet, number[]>;
  torch: number[];
  wasmThreaded: number[];
  torchThreaded: number[];
}

/**
 * The rounds of one workload: each round times PyTorch on one thread, our kernel sets, then (with a
 * threaded run) ours and PyTorch on `threads` threads. Fills `row` with the medians and the rounds'
 * ratios; returns the last PyTorch report (its build and BLAS), or undefined when it never ran.
 */
function timeRounds(peer: TorchPeer, c: TorchCase, runs: OurRuns, row: TorchRow, notes: string[]): TorchReport | undefined {
  const times: RoundTimes = { ours: new Map([...runs.byKernels.keys()].map((k) => [k, []])), torch: [], wasmThreaded: [], torchThreaded: [] };
  let report: TorchReport | undefined;
  let failed = false;
  const torchOnce = (n: number): number => {
    if (failed) return NaN;
    const r = timeTorch(peer, c, n, notes);
    if (r === undefined) failed = true;
    else report = n === 1 ? r.report : report ?? r.report;
    if (r !== undefined && n === 1) row.params.torch = r.params;
    return r?.seconds ?? NaN;
  };
  // Ours on one thread sits between PyTorch on one thread and ours threaded: both of its ratios
  // compare timings taken back to back.
  for (let round = 0; round < row.rounds; round++) {
    times.torch.push(torchOnce(1));
    for (const [k, steps] of runs.byKernels) times.ours.get(k)!.push(measure(steps.run, peer.mo).min);
    if (runs.threaded) {
      times.wasmThreaded.push(measure(runs.threaded.run, peer.mo).min);
      times.torchThreaded.push(torchOnce(runs.threads));
    }
  }
  summarise(times, row, runs.threads);
  for (const [k, steps] of runs.byKernels) {
    const d = steps.divergence();
    if (d !== undefined) notes.push(`${c.label} (${k}): diverged at step ${d.step} while timing (${d.reason})`);
  }
  return report;
}

/** The rounds' medians into `row`, and each ratio as the median of the rounds' ratios with its range. */
export function summarise(t: RoundTimes, row: TorchRow, threads: number): void {
  // The finite round-by-round ratios num[i] / den[i] (a failed PyTorch round is NaN), their median and range.
  const ratios = (num: number[], den: number[]): { median: number; range: [number, number] } | undefined => {
    const r = num.map((x, i) => x / den[i]!).filter(Number.isFinite);
    return r.length === 0 ? undefined : { median: medianOf(r), range: [Math.min(...r), Math.max(...r)] };
  };
  for (const [k, ours] of t.ours) {
    row.ours[k] = medianOf(ours);
    const r = ratios(t.torch, ours);
    if (r !== undefined) {
      row.speedup[k] = r.median;
      row.speedupRange[k] = r.range;
    }
  }
  const torch = t.torch.filter(Number.isFinite);
  if (torch.length > 0) row.torch = medianOf(torch);
  const one = t.ours.get('wasm');
  if (t.wasmThreaded.length === 0 || one === undefined) return;
  const torchThreaded = t.torchThreaded.filter(Number.isFinite);
  const r = ratios(one, t.wasmThreaded);
  row.threaded = {
    threads,
    wasm: medianOf(t.wasmThreaded),
    torch: torchThreaded.length > 0 ? medianOf(torchThreaded) : undefined,
    speedup: r?.median,
    speedupRange: r?.range,
  };
}

function threadedTable(rows: TorchRow[], threads: number): Table {
  const ms = (s: number | undefined): string => num(s === undefined ? undefined : s * 1e3);
  const ratio = (a: number | undefined, b: number | undefined): number | undefined => (a === undefined || b === undefined ? undefined : a / b);
  return {
    title: `One run on ${threads} threads: ms per Adam training step (ours --threads ${threads}, PyTorch set_num_threads(${threads}))`,
    columns: ['<workload', 'wasm 1t ms', `wasm ${threads}t ms`, `wasm 1t÷${threads}t`, '<rounds', `torch ${threads}t ms`, `torch ${threads}t÷wasm ${threads}t`],
    rows: rows.filter((r) => r.threaded).map((r) => [
      r.workload,
      ms(r.ours['wasm']),
      ms(r.threaded!.wasm),
      times(r.threaded!.speedup),
      range(r.threaded!.speedupRange),
      ms(r.threaded!.torch),
      times(ratio(r.threaded!.torch, r.threaded!.wasm)),
    ]),
    notes: [
      `wasm 1t÷${threads}t: our speed-up from one thread to ${threads} on the same run (results are byte-identical for any thread count),`,
      '  the median of the rounds\' ratios (rounds: their range); a run splits its large products, its conv layers (by images, and',
      '  dW by columns) and its long element-wise loops (optimizer steps, norms, activations, pooling), so small models stay at ~1×.',
      `torch ${threads}t÷wasm ${threads}t: PyTorch's time ÷ ours, both on ${threads} threads (> 1: ours is faster).`,
    ],
  };
}

/** One timing of PyTorch on `c` with `threads` threads: seconds per step (its fastest batch) and its report; undefined (and a note) when it failed. */
function timeTorch(peer: TorchPeer, c: TorchCase, threads: number, notes: string[]): { seconds: number; params: number; report: TorchReport } | undefined {
  const on = threads === 1 ? '' : ` on ${threads} threads`;
  try {
    const report = runTorchPeer(peer.python, peer.benchDir, [c.workload], peer.mo, threads);
    const r = report.results[0]!;
    if (!('error' in r)) return { seconds: r.timing.min, params: r.params, report };
    notes.push(`${c.label}: PyTorch${on} failed (${r.error})`);
  } catch (err) {
    notes.push(`${c.label}: PyTorch${on}: ${(err as Error).message}`);
  }
  return undefined;
}

/** TF.js wasm's time for `c` into `row` (and the ratios); a failure becomes a note. */
async function tfjsSide(tf: Tf, c: TorchCase, row: TorchRow, mo: MeasureOptions, notes: string[]): Promise<void> {
  let run: PeerRun | undefined;
  try {
    await withoutTfjsNodeAdvice(async () => {
      run = c.tfjs!(tf);
      row.tfjs = measure(run.run, mo).median;
    });
    row.tfjsSpeedup = Object.fromEntries(Object.entries(row.ours).map(([k, s]) => [k, row.tfjs! / s]));
  } catch (err) {
    notes.push(`${c.label}: TF.js wasm failed (${(err as Error).message.split('\n')[0]})`);
  } finally {
    run?.dispose();
  }
}

/** "lo–hi" of a range of ratios, or "–". */
function range(r: [number, number] | undefined): string {
  return r === undefined ? '–' : `${num(r[0])}–${num(r[1])}`;
}

function torchTable(rows: TorchRow[], kernels: KernelSet[], report: TorchReport | undefined, notes: string[]): Table {
  const mismatched = rows.filter((r) => r.params.torch !== undefined && r.params.torch !== r.params.ours);
  return {
    title: `Against PyTorch${report ? ` ${report.torch}` : ''} (CPU, ${report?.threads ?? 1} thread): ms per Adam training step`,
    columns: ['<workload', '<model', '<batch', 'params', ...kernels.map((k) => `${k} ms`), 'torch ms', 'tfjs-wasm ms', ...kernels.map((k) => `torch÷${k}`), ...kernels.map((k) => `<rounds ${k}`), ...kernels.map((k) => `tfjs÷${k}`), 'GFLOP', ...kernels.map((k) => `${k} GFLOP/s`), 'torch GFLOP/s'],
    rows: rows.map((r) => [
      r.workload,
      r.model,
      r.batch,
      r.params.ours.toLocaleString('en-US') + (r.params.torch !== undefined && r.params.torch !== r.params.ours ? ` ≠ ${r.params.torch.toLocaleString('en-US')}` : ''),
      ...kernels.map((k) => num(r.ours[k] === undefined ? undefined : r.ours[k]! * 1e3)),
      num(r.torch === undefined ? undefined : r.torch * 1e3),
      num(r.tfjs === undefined ? undefined : r.tfjs * 1e3),
      ...kernels.map((k) => times(r.speedup[k])),
      ...kernels.map((k) => range(r.speedupRange[k])),
      ...kernels.map((k) => times(r.tfjsSpeedup?.[k])),
      num(r.flopPerStep / 1e9),
      ...kernels.map((k) => num(rate(r.flopPerStep, r.ours[k]))),
      num(rate(r.flopPerStep, r.torch)),
    ]),
    notes: [
      'torch÷k = PyTorch\'s time ÷ ours on kernel set k (= our steps/s ÷ its steps/s): > 1 means ours is faster. Each workload is',
      `  timed in ${rows[0]?.rounds ?? 1} alternating round(s), PyTorch then ours, each side's time its fastest timed batch: ms columns are the`,
      '  medians over the rounds, torch÷k the median of the rounds\' ratios and "rounds k" their lowest–highest (the spread this machine\'s',
      '  load put on the ratio). tfjs÷k: the same for TensorFlow.js\'s wasm backend (timed once, median batch; one thread, SIMD; the',
      '  model written in tf ops as in the peers section, on one fixed batch).',
      'GFLOP: matmul and convolution FLOP of one training step (2MNK per product, bench/workloads.ts); k GFLOP/s = that ÷ the',
      '  step time: the whole step\'s throughput in matmul terms, on either side (the matmul section has ours per shape).',
      ...(report ? blasNotes(report) : []),
      mismatched.length === 0
        ? 'params: ours (the run\'s parameter vector); PyTorch\'s trainable parameter count is equal for every row timed (same networks).'
        : `params DIFFER (ours ≠ PyTorch's): ${mismatched.map((r) => r.workload).join(', ')}: those rows compare different networks.`,
      'one step: ours is trainingStep (src/train/train.ts) as train() runs it: next batch from the dataset, forward, backward,',
      '  gradient norm, Adam update, the loss read. PyTorch: zero_grad, forward, mean cross-entropy, backward, Adam step,',
      '  loss.item(), on one fixed random batch built once (it pays no data cost). Adam with the config\'s Adam lr (1e-3 for the char LSTM).',
      'PyTorch models (bench/torch_peer.py): nn.Linear/Conv2d/MaxPool2d/LSTM/LayerNorm/Embedding; the LSTM\'s b_hh is held at zero',
      '  and out of training (ours has one bias per gate row); the transformer is written out as ours (full T×T scores, masked).',
      ...notes,
    ],
  };
}

/** GFLOP/s of `flop` done in `seconds` (undefined without a time or without work). */
function rate(flop: number, seconds: number | undefined): number | undefined {
  return seconds === undefined || flop === 0 ? undefined : flop / seconds / 1e9;
}

function blasNotes(report: TorchReport): string[] {
  const { kind, libs } = report.blas;
  const out = [`PyTorch ${report.torch} (python ${report.python}), torch.get_num_threads() = ${report.threads}, BLAS loaded: ${kind}${libs.length > 0 ? ` (${libs.join(', ')})` : ''}.`];
  if (kind === 'reference') out.push('WARNING: PyTorch runs on the reference BLAS here, several times slower than OpenBLAS: an unfairly slow peer (apt-get install libopenblas0-pthread).');
  return out;
}
