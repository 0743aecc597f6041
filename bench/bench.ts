// `npm run bench`: how fast radam-run's kernels are, in one process run — optimizer steps against a
// memory-copy baseline, matmul at the models' shapes, training steps of the shipped configs, the same
// work on TensorFlow.js (CPU and wasm backends), and Adam training steps against PyTorch on the CPU (one
// thread; used when a python3 imports torch). Tables go to stdout (install notes and skips to stderr);
// the same numbers go to bench/results.json. Never run by the tests for timing.
// This file is the entry point: it runs the sections (one file each, below) in order.
//
//   npm run bench                      full run (4–6 minutes on 2 cores, first TF.js install included)
//   npm run bench -- --quick           smoke run: short batches, few samples
//   npm run bench -- --no-peers        skip TensorFlow.js (no install); the PyTorch section still runs
//   npm run bench -- --only optim,matmul,models,peers,torch,compare   a subset of the sections
//   npm run bench -- --kernels js      which of our kernel sets to time (js, wasm)
//   npm run bench -- --json FILE       where to write the JSON (default bench/results.json)
//   npm run bench -- --configs DIR     time the configs of another directory (default configs/)
//   npm run bench -- --rounds N        alternating rounds (ours, PyTorch, …) per torch workload (default 5; 1 with --quick)
//   RADAM_RUN_PYTHON=/path/python3     the python for the PyTorch peer (default: python3, then /usr/bin/python3)
//
// Sections: optimizers.ts (1), matmul.ts (2), models.ts (3), peers.ts with tfjs.ts (4), torch.ts with
// torch-peer.ts and torch_peer.py (5), compare.ts (6), then targets.ts. Our side of each is built in
// ours.ts, from the same Kernels and buildRun a run uses.
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, relative } from 'node:path';
import { FULL, QUICK, type MeasureOptions } from './measure.js';
import { BENCH_DIR, ROOT, USAGE, parseOptions, type Options } from './options.js';
import { findConfigs } from './configs.js';
import { benchOptimizers } from './optimizers.js';
import { benchMatmul, matmulCases } from './matmul.js';
import { benchModels } from './models.js';
import { benchPeers } from './peers.js';
import { benchCompare } from './compare.js';
import { benchTorch, type TfjsWasm } from './torch.js';
import { targetTable, targets } from './targets.js';
import { installPeers, loadPeers, type LoadedPeers } from './tfjs.js';
import type { Results } from './results.js';
import { num, renderTable, type Table } from './table.js';

const print = (t: Table): void => console.log(renderTable(t));

async function main(argv: string[]): Promise<number> {
  const opts = parseOptions(argv);
  if (typeof opts === 'string') {
    const isHelp = opts === USAGE;
    (isHelp ? console.log : console.error)(opts);
    return isHelp ? 0 : 2;
  }
  const mo = opts.quick ? QUICK : FULL;
  const results = emptyResults(opts, mo);
  printHeader(opts, mo, results);
  // Install the peers (if missing) before timing anything; load them only when their turn comes.
  let peersUnavailable: string | undefined;
  if (opts.sections.has('peers') || opts.sections.has('torch')) {
    peersUnavailable = opts.peers ? installPeers(BENCH_DIR, (line) => console.error(line)) : 'TensorFlow.js peers skipped (--no-peers)';
    console.log(`peer: ${peersUnavailable ?? 'TensorFlow.js (bench/node_modules), CPU and wasm backends'}`);
  }
  console.log('');
  await runSections(opts, mo, results, peersUnavailable);
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

function emptyResults(opts: Options, mo: MeasureOptions): Results {
  const cpus = os.cpus();
  return {
    meta: {
      date: new Date().toISOString(),
      node: process.version,
      v8: process.versions.v8,
      platform: `${process.platform} ${process.arch}`,
      cpu: cpus[0]?.model.trim() ?? 'unknown',
      cores: cpus.length,
      quick: opts.quick,
      kernels: opts.kernels,
      measure: mo,
      loadAverageStart: os.loadavg()[0],
    },
    optimizers: [],
    matmul: [],
    matmulModels: [],
    models: [],
    peers: [],
    torch: [],
    compare: [],
    targets: [],
    notes: [],
  };
}

function printHeader(opts: Options, mo: MeasureOptions, results: Results): void {
  const { meta } = results;
  console.log(`# radam-run bench${opts.quick ? ' (--quick)' : ''}`);
  console.log('');
  console.log(`${String(meta.date)} · node ${process.version} · ${String(meta.cpu)} × ${String(meta.cores)} · ${String(meta.platform)}`);
  console.log(
    `each number: median of ${mo.samples} timed batches of ≥ ${mo.sampleMs} ms after ≥ ${mo.warmupMs} ms of warm-up; one thing at a time, one process (the torch section: fastest batch, median of ${opts.rounds} alternating rounds)`,
  );
  console.log(`load average ${num(os.loadavg()[0])} at start (other processes share the cores: compare ratios within one run)`);
  console.log(`ours: ${opts.kernels.join(', ')}`);
}

/** The chosen sections in order, each printing its table and filling its part of `results`. */
async function runSections(opts: Options, mo: MeasureOptions, results: Results, peersUnavailable: string | undefined): Promise<void> {
  const { sections, kernels } = opts;
  const configs = sections.has('matmul') || sections.has('models') ? findConfigs(opts.configs, results.notes) : [];
  if (sections.has('optim')) {
    const optim = benchOptimizers(kernels, mo);
    results.optimizers = optim.rows;
    print(optim.table);
  }
  if (sections.has('matmul')) {
    const matmul = benchMatmul(kernels, mo, matmulCases(configs));
    results.matmul = matmul.rows;
    results.matmulModels = matmul.models;
    print(matmul.table);
  }
  if (sections.has('models')) {
    const models = benchModels(kernels, mo, configs);
    results.models = models.rows;
    print(models.table);
  }
  // TensorFlow.js is loaded once, for the peers section and the torch section's TF.js wasm column.
  const loaded: LoadedPeers | undefined =
    !sections.has('peers') && !sections.has('torch') ? undefined
    : peersUnavailable === undefined ? await loadPeers(BENCH_DIR)
    : { tf: null, peers: [], skipped: [peersUnavailable], version: undefined };
  if (sections.has('peers') && loaded) {
    results.meta.peers = loaded.peers.map((p) => ({ ...p, version: loaded.version }));
    const peers = await benchPeers(kernels, mo, loaded);
    results.peers = peers.rows;
    print(peers.table);
    results.meta.peersSkipped = loaded.skipped;
  }
  if (sections.has('torch')) {
    const torch = await benchTorch(kernels, mo, opts.configs, BENCH_DIR, tfjsWasm(loaded), os.availableParallelism(), opts.rounds);
    results.torch = torch.rows;
    results.meta.torch = torch.meta;
    for (const t of torch.tables) {
      if (typeof t === 'string') console.log(t);
      else print(t);
    }
  }
  if (sections.has('compare')) {
    // The full config takes minutes under the js kernels; --quick times its first 100 steps.
    const c = benchCompare(ROOT, join(opts.configs, 'lstm.json'), kernels, opts.quick ? 100 : undefined, results.notes);
    if (c.row) {
      results.compare.push(c.row);
      print(c.table);
    }
  }
}

/** TF.js's wasm peer out of the loaded peers, or why it is missing. */
function tfjsWasm(loaded: LoadedPeers | undefined): TfjsWasm {
  const peer = loaded?.peers.find((p) => p.backend === 'wasm');
  if (loaded?.tf && peer) return { tf: loaded.tf, peer };
  return { missing: loaded?.skipped.join('; ') || 'the TF.js wasm backend did not load' };
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
