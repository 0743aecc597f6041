// The command line of `npm run bench` (usage in bench/bench.ts's header) and where the bench finds
// the repository: its configs/, bench/ (peers, results.json) and bin/ (the compare section).
import { parseArgs } from 'node:util';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KernelSet } from '../src/wasm/kernels.js';
import { KERNEL_SETS } from './ours.js';

const SECTIONS = ['optim', 'matmul', 'models', 'peers', 'torch', 'compare'] as const;
export type Section = (typeof SECTIONS)[number];

/** The repo root: the bench runs as dist/bench/*.js (or bench/*.ts under a TS runner). */
const HERE = dirname(fileURLToPath(import.meta.url));
export const ROOT = basename(dirname(HERE)) === 'dist' ? join(HERE, '..', '..') : join(HERE, '..');
export const BENCH_DIR = join(ROOT, 'bench');

export interface Options {
  quick: boolean;
  peers: boolean;
  sections: Set<Section>;
  kernels: KernelSet[];
  json: string;
  configs: string;
  /** Alternating rounds of the torch section (PyTorch, ours, PyTorch, …): 5, or 1 with --quick. */
  rounds: number;
}

export const USAGE = `usage: npm run bench -- [--quick] [--no-peers] [--only ${SECTIONS.join(',')}] [--kernels ${KERNEL_SETS.join(',')}] [--json FILE] [--configs DIR] [--rounds N]`;

/** The options of `argv`, or the text to print instead: USAGE itself for --help, else an error with USAGE. */
export function parseOptions(argv: string[]): Options | string {
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
        rounds: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (err) {
    return `${(err as Error).message}\n${USAGE}`;
  }
  if (parsed.help) return USAGE;
  const sections = pickList('--only', parsed.only, SECTIONS);
  const kernels = pickList('--kernels', parsed.kernels, KERNEL_SETS);
  if (typeof sections === 'string') return sections;
  if (typeof kernels === 'string') return kernels;
  const rounds = parsed.rounds === undefined ? (parsed.quick ? 1 : 5) : Number(parsed.rounds);
  if (!Number.isInteger(rounds) || rounds < 1 || rounds > 99) return `--rounds: expected a whole number from 1 to 99, got "${parsed.rounds}"\n${USAGE}`;
  return {
    quick: parsed.quick,
    peers: !parsed['no-peers'],
    sections: new Set(sections),
    kernels,
    json: parsed.json ?? join(BENCH_DIR, 'results.json'),
    configs: parsed.configs ?? join(ROOT, 'configs'),
    rounds,
  };
}

/** A comma-separated flag value as items of `known` (all of them when absent), or the error to print. */
function pickList<T extends string>(flag: string, value: string | undefined, known: readonly T[]): T[] | string {
  const picked: T[] = [];
  for (const item of (value ?? known.join(',')).split(',')) {
    const k = known.find((x) => x === item);
    if (k === undefined) return `${flag}: expected some of ${known.join(', ')}, got "${item}"\n${USAGE}`;
    picked.push(k);
  }
  return picked;
}
